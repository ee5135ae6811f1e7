// Progress on stderr: one updating line on a terminal, a line every few seconds otherwise.
const tty = process.stderr.isTTY === true;
let lastLine = "";
let lastPrinted = 0;

export function phase(title: string): void {
  done();
  process.stderr.write(`\n▶ ${title}\n`);
}

export function progress(text: string): void {
  if (tty) {
    process.stderr.write(`\r\x1b[K  ${text}`);
    lastLine = text;
  } else if (Date.now() - lastPrinted >= 5000) {
    process.stderr.write(`  ${text}\n`);
    lastPrinted = Date.now();
  }
}

export function note(text: string): void {
  done();
  process.stderr.write(`  ${text}\n`);
}

function done(): void {
  if (tty && lastLine) process.stderr.write("\r\x1b[K");
  lastLine = "";
  lastPrinted = 0;
}
