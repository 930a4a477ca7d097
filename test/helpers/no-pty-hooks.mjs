export async function resolve(specifier, context, next) {
  if (specifier === "@lydell/node-pty") {
    throw new Error("no prebuilt binary of @lydell/node-pty for this platform");
  }
  return next(specifier, context);
}
