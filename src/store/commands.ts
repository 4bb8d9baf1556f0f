/**
 * The commands an owner offers (XEP-0050 ad-hoc commands, README, "Messages, files and
 * commands"), in the order it declared them, kept by owner id (src/owner.ts) across restarts.
 */

export interface CommandRecord {
  /** The command's node (XEP-0050 §2.2). */
  readonly node: string;
  /** What clients show. */
  readonly name: string;
}

export interface CommandStore {
  /** Every owner's commands (owner given: that owner's), by owner, in declared order. */
  listCommands(owner?: string): Promise<{ owner: string; commands: CommandRecord[] }[]>;
  /** Replaces the owner's commands with these ([] removes them all). */
  putCommands(owner: string, commands: readonly CommandRecord[]): Promise<void>;
}
