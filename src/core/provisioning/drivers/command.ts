// The command deployer: runs the operator's program (deployer_config.command, an argv array,
// no shell) with the deployment as JSON on stdin, and reads its answer as JSON on stdout
// (`{"status": "READY", "domain": ..., "platform_meta": {...}}`, or `{"status": "FAILED",
// "error": ...}`). A non-zero exit, a crash or a timeout is a failed try, retried. The program
// gets only PATH and the variables of deployer_config.env: never the service's own
// environment, which holds its secrets.
import { spawn } from 'node:child_process';
import { DeployFailure, readResult, type Deployer } from './types.js';

const MAX_STDOUT = 1024 * 1024;
const MAX_STDERR = 16 * 1024;

function argvOf(config: Record<string, unknown>): string[] {
  const command = config.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string' && part.length > 0)) {
    throw new DeployFailure('The package\'s deployer_config.command must be a non-empty array of strings.', false, 'deployer.misconfigured');
  }
  return command as string[];
}

function envOf(config: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
  const extra = config.env;
  if (extra && typeof extra === 'object' && !Array.isArray(extra)) {
    for (const [name, value] of Object.entries(extra)) if (typeof value === 'string') env[name] = value;
  }
  return env;
}

/** The JSON answer: the whole output, or else its last line (a script may log before answering). */
function parseAnswer(stdout: string): unknown {
  const text = stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    const last = text.split('\n').map((line) => line.trim()).filter(Boolean).pop();
    try {
      return last === undefined ? undefined : JSON.parse(last);
    } catch {
      return undefined;
    }
  }
}

export const commandDeployer: Deployer = (request, context) => new Promise((resolve, reject) => {
  let argv: string[];
  try {
    argv = argvOf(context.config);
  } catch (error) {
    reject(error);
    return;
  }
  const child = spawn(argv[0]!, argv.slice(1), { env: envOf(context.config), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, context.timeoutMs);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { if (stdout.length < MAX_STDOUT) stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { if (stderr.length < MAX_STDERR) stderr += chunk; });
  // A program that exits without reading its input closes the pipe: not our failure to report.
  child.stdin.on('error', () => {});
  child.stdin.end(JSON.stringify(request));
  child.on('error', (error) => {
    clearTimeout(timer);
    reject(new DeployFailure(`The deployer command could not start: ${error.message}`, true, 'deployer.unavailable'));
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    if (timedOut) {
      reject(new DeployFailure(`The deployer command did not finish within ${context.timeoutMs} ms.`, true, 'deployer.timeout'));
      return;
    }
    if (code !== 0) {
      const tail = stderr.trim().split('\n').slice(-5).join('\n').slice(-500);
      reject(new DeployFailure(`The deployer command exited with ${code ?? signal}${tail ? `: ${tail}` : '.'}`, true, 'deployer.failed'));
      return;
    }
    try {
      resolve(readResult(parseAnswer(stdout), 'The deployer command'));
    } catch (error) {
      reject(error);
    }
  });
});
