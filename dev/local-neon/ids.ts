import { randomBytes, randomInt, randomUUID } from 'node:crypto';

// Neon-like ids: `br-<adjective>-<noun>-<8 lowercase alnum>` (e.g. br-late-dream-hdygj3gx). Each of the three
// parts is [a-z0-9]+ so the CLI's looksLikeBranchId rule (`br-` + /^[a-z0-9]+-[a-z0-9]+-[a-z0-9]+$/) holds.
const ADJECTIVES = [
  'aged', 'autumn', 'billowing', 'bold', 'broad', 'calm', 'cold', 'cool', 'crimson', 'curly', 'damp', 'dark',
  'dawn', 'delicate', 'divine', 'dry', 'empty', 'falling', 'fancy', 'flat', 'floral', 'fragrant', 'frosty',
  'gentle', 'green', 'hidden', 'holy', 'icy', 'jolly', 'late', 'lingering', 'little', 'lively', 'long', 'lucky',
  'misty', 'morning', 'muddy', 'mute', 'nameless', 'noisy', 'odd', 'old', 'orange', 'patient', 'plain', 'polished',
  'proud', 'purple', 'quiet', 'rapid', 'raspy', 'red', 'restless', 'rough', 'round', 'royal', 'shiny', 'shrill',
  'shy', 'silent', 'small', 'snowy', 'soft', 'solitary', 'sparkling', 'spring', 'square', 'steep', 'still',
  'summer', 'super', 'sweet', 'throbbing', 'tight', 'tiny', 'twilight', 'wandering', 'weathered', 'white', 'wild',
  'winter', 'wispy', 'withered', 'yellow', 'young',
];
const NOUNS = [
  'art', 'band', 'bar', 'base', 'bird', 'block', 'boat', 'bonus', 'bread', 'breeze', 'brook', 'bush', 'butterfly',
  'cake', 'cell', 'cherry', 'cloud', 'credit', 'darkness', 'dawn', 'dew', 'disk', 'dream', 'dust', 'feather',
  'field', 'fire', 'firefly', 'flower', 'fog', 'forest', 'frog', 'frost', 'glade', 'glitter', 'grass', 'hall',
  'hat', 'haze', 'heart', 'hill', 'king', 'lab', 'lake', 'leaf', 'limit', 'math', 'meadow', 'mode', 'moon',
  'morning', 'mountain', 'mouse', 'mud', 'night', 'paper', 'pine', 'poetry', 'pond', 'queen', 'rain', 'recipe',
  'resonance', 'rice', 'river', 'salad', 'scene', 'sea', 'shadow', 'shape', 'silence', 'sky', 'smoke', 'snow',
  'snowflake', 'sound', 'star', 'sun', 'sunset', 'surf', 'term', 'thunder', 'tooth', 'tree', 'truth', 'union',
  'unit', 'violet', 'voice', 'water', 'waterfall', 'wave', 'wildflower', 'wind', 'wood',
];

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function pick<T>(list: readonly T[]): T {
  return list[randomInt(list.length)];
}

function alnum(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** `br-…` for branches, `ep-…` for endpoints. */
export function neonId(prefix: 'br' | 'ep'): string {
  return `${prefix}-${pick(ADJECTIVES)}-${pick(NOUNS)}-${alnum(8)}`;
}

/** Project ids look like `autumn-disk-12345678`. */
export function projectId(): string {
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${String(randomInt(10_000_000, 99_999_999))}`;
}

/** Neon role passwords look like `npg_` + 12 characters. */
export function rolePassword(): string {
  return `npg_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
}

export function uuid(): string {
  return randomUUID();
}

/** The CLI's own rule (neon 6.2.3, utils/branch): id-shaped arguments skip the name lookup. */
export function looksLikeBranchId(x: string): boolean {
  return x.startsWith('br-') && /^[a-z0-9]+-[a-z0-9]+-[a-z0-9]+$/.test(x.slice(3));
}
