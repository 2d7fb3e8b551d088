import { Skeleton } from "@/components/ui/Skeleton";

export default function HostLoading() {
  return (
    <main className="mx-auto max-w-7xl space-y-6 px-4 py-6 sm:px-6" aria-busy="true">
      <p className="sr-only" role="status">
        Loading the host…
      </p>
      <div className="space-y-2">
        <Skeleton className="h-4 w-40" />
        <Skeleton className="h-8 w-72" />
      </div>
      <Skeleton className="h-16" />
      <div className="grid gap-4 lg:grid-cols-2">
        <Skeleton className="h-52" />
        <Skeleton className="h-52" />
      </div>
      <Skeleton className="h-72" />
    </main>
  );
}
