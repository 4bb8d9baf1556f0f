import type { ChildProcess } from "node:child_process";

/** Stops a child process with SIGTERM and waits for it to exit; one already gone is left as is. */
export async function stopChild(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill("SIGTERM");
  await exited;
}
