/**
 * Remembers the last `size` results of `compute` by key, most recently used
 * kept longest (`arg` only helps to compute the value the key stands for). For parses of the same files when one process checks several
 * demos (tests, or `check` then `doctor`): CRD objects that stay the same also
 * keep their compiled validators, which are cached by schema object.
 */
export function memo<T, A = undefined>(
  size: number,
  compute: (key: string, arg: A) => T,
): (key: string, arg: A) => T {
  const cache = new Map<string, T>();
  return (key, arg) => {
    if (cache.has(key)) {
      const value = cache.get(key) as T;
      cache.delete(key);
      cache.set(key, value);
      return value;
    }
    const value = compute(key, arg);
    if (cache.size >= size) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(key, value);
    return value;
  };
}
