/**
 * What interpreters other than Node need to read, and when a program's folder counts as a package of
 * its own. Used by the policy compiler for `command` workers (and programs given at run time).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Standard library directories of known interpreters that lie outside `/usr/lib` (which a `command`
 * worker may already read), by interpreter name. Only directories that exist are granted; none holds
 * anything but the language's own modules and its system-wide configuration.
 */
const RUNTIME_LIBRARIES: readonly { readonly name: RegExp; readonly dirs: readonly string[] }[] = [
  { name: /^perl(5[\d.]*)?$/, dirs: ['/usr/share/perl', '/usr/share/perl5', '/usr/local/share/perl', '/usr/local/lib/site_perl', '/etc/perl'] },
  { name: /^ruby[\d.]*$/, dirs: ['/usr/share/rubygems-integration', '/usr/share/ruby', '/usr/local/lib/ruby', '/var/lib/gems'] },
  { name: /^(lua[\d.]*|luajit.*)$/, dirs: ['/usr/share/lua', '/usr/local/share/lua', '/usr/local/lib/lua'] },
  { name: /^php[\d.]*$/, dirs: ['/usr/share/php', '/etc/php'] },
  { name: /^python[\d.]*$/, dirs: ['/usr/share/python3', '/usr/local/lib/python3', ...localPythons()] },
];

function localPythons(): string[] {
  try {
    return readdirSync('/usr/local/lib')
      .filter((entry) => /^python3\.\d+$/.test(entry))
      .map((entry) => join('/usr/local/lib', entry));
  } catch {
    return [];
  }
}

/** The library directories to grant for the executables a policy runs (interpreters found by name). */
export function runtimeLibraryDirs(executables: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const file of executables) {
    const name = basename(file);
    for (const runtime of RUNTIME_LIBRARIES) {
      if (!runtime.name.test(name)) continue;
      for (const dir of runtime.dirs) if (existsSync(dir)) out.add(dir);
    }
  }
  return [...out];
}

/** Manifests that mark a folder as a package of its own, in the languages workers are written in. */
const PACKAGE_MANIFESTS = [
  'package.json', // Node
  'cpanfile', 'Makefile.PL', 'META.json', // Perl
  'Gemfile', // Ruby
  'composer.json', // PHP
  'pyproject.toml', 'setup.py', // Python
];

/** Files whose presence marks a directory as the user's project or a place for secrets. */
export const PRIVATE_MARKERS: readonly string[] = Object.freeze(['.git', '.env', '.npmrc', '.netrc', '.ssh', '.aws', '.gnupg']);

/**
 * Whether a program's folder may be read as a whole: it is a package of its own (one of the manifests
 * above, or a `*.gemspec` / `*.rockspec`) and not the user's project or a place for secrets (none of the
 * private markers).
 */
export function isWorkerFolder(dir: string): boolean {
  if (PRIVATE_MARKERS.some((marker) => existsSync(join(dir, marker)))) return false;
  if (PACKAGE_MANIFESTS.some((manifest) => existsSync(join(dir, manifest)))) return true;
  try {
    return readdirSync(dir).some((entry) => entry.endsWith('.gemspec') || entry.endsWith('.rockspec'));
  } catch {
    return false;
  }
}
