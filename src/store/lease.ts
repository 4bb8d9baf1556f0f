/** Who takes deliveries, and for how long without renewing. */
export interface ClaimLease {
  /** Unique per delivering queue (and process): its claims are its own. */
  readonly claimant: string;
  readonly leaseMs: number;
}
