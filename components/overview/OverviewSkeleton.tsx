import { Skeleton } from "@/components/ui/Skeleton";

/** Skeleton of the overview, for a loading.tsx that covers `/` only (see the note in app/hosts/[host]/layout.tsx). */
export function OverviewSkeleton() {
  return (
    <main className="mx-auto max-w-7xl space-y-8 px-4 py-6 sm:px-6" aria-busy="true">
      <p className="sr-only" role="status">
        Loading the fleet overview…
      </p>
      <div className="space-y-2">
        <Skeleton className="h-8 w-56" />
        <Skeleton className="h-4 w-72" />
      </div>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-24" />
        ))}
      </div>
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
        <Skeleton className="h-56" />
        <Skeleton className="h-56" />
      </div>
      <div className="space-y-2">
        {Array.from({ length: 10 }, (_, i) => (
          <Skeleton key={i} className="h-8" />
        ))}
      </div>
    </main>
  );
}
