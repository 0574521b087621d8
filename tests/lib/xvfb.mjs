// Starts a private Xvfb display (and X clients on it) for tests; stops them by PID.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export async function startXvfb({ width = 1280, height = 800 } = {}) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const num = 100 + Math.floor(Math.random() * 800);
    if (fs.existsSync(`/tmp/.X11-unix/X${num}`) || fs.existsSync(`/tmp/.X${num}-lock`)) continue;
    const proc = spawn('Xvfb', [`:${num}`, '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'],
      { stdio: 'ignore' });
    const display = `:${num}`;
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline && !fs.existsSync(`/tmp/.X11-unix/X${num}`)) {
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!fs.existsSync(`/tmp/.X11-unix/X${num}`)) { proc.kill('SIGKILL'); continue; }
    const children = [];
    return {
      display,
      // Starts an X client on this display; it is stopped with the display.
      run(cmd, args) {
        const p = spawn(cmd, args, { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
        children.push(p);
        return p;
      },
      async stop() {
        for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
        proc.kill('SIGTERM');
        await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
      },
    };
  }
  throw new Error('could not start Xvfb (is the xvfb package installed?)');
}
