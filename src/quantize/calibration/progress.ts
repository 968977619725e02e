/** A one-line progress bar on stderr (only when it is a terminal; silent in CI logs). */
export class ProgressBar {
  private last = 0;
  private readonly tty: boolean;
  constructor(private readonly label: string, private readonly total: number, enabled = true) {
    this.tty = enabled && !!process.stderr.isTTY;
  }
  update(done: number, extra = ''): void {
    if (!this.tty) return;
    const now = Date.now();
    if (done < this.total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const frac = this.total > 0 ? Math.min(done / this.total, 1) : 1;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    process.stderr.write(`\r${this.label} [${bar}] ${done}/${this.total}${extra ? ' ' + extra : ''}`);
  }
  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
