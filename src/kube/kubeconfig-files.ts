import path from "node:path";

/**
 * Where a kubeconfig comes from. Everything the kubeconfig code knows about the
 * environment arrives here, so tests (and callers) decide what is read:
 * nothing reads process.env, the real home directory or the file system directly.
 */
export interface KubeconfigSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string | undefined;
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readFile(path: string): string | undefined;
}

/** The kubeconfig file names kubectl would read, in order, and where the list came from. */
export function candidateFiles(
  source: KubeconfigSource,
): { paths: string[]; fromEnv: boolean } | { error: string } {
  const list = source.env.KUBECONFIG;
  if (list !== undefined) {
    const paths = [...new Set(list.split(path.delimiter).filter((entry) => entry !== ""))];
    if (paths.length > 0) return { paths, fromEnv: true };
  }
  if (source.home === undefined || source.home === "") {
    return {
      error: "no kubeconfig: $KUBECONFIG is not set and the home directory is unknown",
    };
  }
  return { paths: [path.join(source.home, ".kube", "config")], fromEnv: false };
}

/** Why there is no kubeconfig when none of the candidate files can be read. */
export function noFilesReason(candidates: { paths: string[]; fromEnv: boolean }): string {
  return candidates.fromEnv
    ? `no kubeconfig: none of the files in $KUBECONFIG exists (${candidates.paths.join(", ")})`
    : `no kubeconfig: ${candidates.paths.join(", ")} does not exist and $KUBECONFIG is not set`;
}

/**
 * Why there is no kubeconfig at all, or undefined when there is a file to load
 * (the client library, large to load, is needed only then).
 */
export function missingKubeconfig(source: KubeconfigSource): string | undefined {
  const candidates = candidateFiles(source);
  if ("error" in candidates) return candidates.error;
  return candidates.paths.some((file) => source.readFile(file) !== undefined)
    ? undefined
    : noFilesReason(candidates);
}
