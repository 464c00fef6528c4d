// nginx location selection for one server as ingress-nginx renders it, and the rewrite-target URI rewrite.

import { Location, needsRewrite } from './servers.js';

/** The location that took a request, as nginx would write it (`= /foo`, `/foo/`, `~* "^/users"`). */
export interface LocationHit {
  location: Location;
  directive: string;
  /** The URI the backend receives (rewrite applied, query string kept). */
  rewrittenPath: string;
  rewritten: boolean;
}

export interface LocationMatcher {
  /** true when ingress-nginx renders every location of the server as a case-insensitive regex. */
  regex: boolean;
  match(path: string): LocationHit;
  /** Paths that are not valid regular expressions here; such a location never matches. */
  invalid: string[];
}

interface RegexLocation {
  location: Location;
  re: RegExp | undefined;
}

/**
 * template.go enforceRegexModifier: if any location of the server has use-regex or a rewrite-target different from
 * its path, every location becomes `location ~* "^<path>"`, tried longest path first (then reverse-lexicographic),
 * first match wins. Otherwise Exact → `location = <path>` and Prefix → a prefix location (nginx: exact first, then the
 * longest prefix).
 */
export function compileLocations(locations: Location[]): LocationMatcher {
  const regex = locations.some((l) => needsRewrite(l) || l.annotations.useRegex);
  return regex ? regexMatcher(locations) : staticMatcher(locations);
}

function regexMatcher(locations: Location[]): LocationMatcher {
  // controller.go sorts by Path descending, then (stably) by length descending.
  const sorted = [...locations].sort((a, b) => b.path.length - a.path.length || (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
  const invalid: string[] = [];
  const compiled: RegexLocation[] = sorted.map((location) => {
    const re = compileRegex(`^${location.path}`, 'i');
    if (!re) invalid.push(location.path);
    return { location, re };
  });
  return {
    regex: true,
    invalid,
    match(path) {
      const { uri } = splitQuery(path);
      const hit = compiled.find((c) => c.re?.test(uri)) ?? compiled[compiled.length - 1];
      return finish(hit.location, `~* "^${hit.location.path}"`, path);
    },
  };
}

function staticMatcher(locations: Location[]): LocationMatcher {
  const exact = new Map<string, Location>();
  const prefixes = new Map<string, Location>();
  for (const l of locations) {
    const m = l.pathType === 'Exact' ? exact : prefixes;
    if (!m.has(l.path)) m.set(l.path, l);
  }
  const longestFirst = [...prefixes.values()].sort((a, b) => b.path.length - a.path.length);
  return {
    regex: false,
    invalid: [],
    match(path) {
      const { uri } = splitQuery(path);
      const e = exact.get(uri);
      if (e) return finish(e, `= ${e.path}`, path);
      // nginx auto_redirect: a prefix location ending in `/`, asked for without that slash, answers 301 to the
      // slashed URI, which the client follows; flatnet routes there directly (the API's element-wise Prefix rule).
      const slashed = prefixes.get(`${uri}/`);
      if (slashed && !uri.endsWith('/')) {
        const viaExact = exact.get(`${uri}/`);
        return viaExact ? finish(viaExact, `= ${viaExact.path}`, path) : finish(slashed, slashed.path, path);
      }
      const p = longestFirst.find((l) => uri.startsWith(l.path)) ?? longestFirst[longestFirst.length - 1];
      return finish(p, p.path, path);
    },
  };
}

function finish(location: Location, directive: string, path: string): LocationHit {
  if (!needsRewrite(location)) return { location, directive, rewrittenPath: path, rewritten: false };
  const out = rewriteUri(location.path, location.annotations.rewriteTarget!, path);
  return { location, directive, rewrittenPath: out ?? path, rewritten: out !== undefined };
}

/**
 * nginx `rewrite "(?i)<path>" <target> break;`: the regex (unanchored, case-insensitive) is matched against the URI
 * without its query string; on a match the whole URI becomes the target with `$1`…`$9` substituted, and the
 * original query string is appended (`&` if the target has one, dropped if the target ends in `?`).
 * Returns undefined when the regex does not match (the URI is passed on unchanged).
 */
export function rewriteUri(pathRegex: string, target: string, requestPath: string): string | undefined {
  const re = compileRegex(pathRegex, 'i');
  const { uri, query } = splitQuery(requestPath);
  const m = re?.exec(uri);
  if (!m) return undefined;
  const replaced = target.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '');
  if (replaced.endsWith('?')) return replaced.slice(0, -1);
  if (query === undefined || query === '') return replaced;
  return replaced.includes('?') ? `${replaced}&${query}` : `${replaced}?${query}`;
}

function splitQuery(path: string): { uri: string; query?: string } {
  const i = path.indexOf('?');
  return i < 0 ? { uri: path } : { uri: path.slice(0, i), query: path.slice(i + 1) };
}

/** Compiles an RE2/PCRE-style path as a JavaScript RegExp; undefined when JavaScript cannot express it. */
function compileRegex(source: string, flags: string): RegExp | undefined {
  try {
    // RE2's (?P<name>…) named groups are (?<name>…) in JavaScript.
    return new RegExp(source.replace(/\(\?P</g, '(?<'), flags);
  } catch {
    return undefined;
  }
}
