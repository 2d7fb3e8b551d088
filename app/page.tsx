export default function Overview() {
  return <main className="p-6"><h1 className="text-2xl font-semibold">borg-fleet</h1></main>;
}
