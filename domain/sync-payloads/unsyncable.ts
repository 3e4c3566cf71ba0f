// Thrown by a payload mapping when an opportunity lacks data the target system requires (a retry cannot fix it).
export class UnsyncableOpportunity extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsyncableOpportunity';
  }
}
