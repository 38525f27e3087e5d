/** Gzips `body` with the browser's CompressionStream; undefined when the browser cannot, or it fails. */
export async function gzip(body: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    // Where CompressionStream is missing, naming it throws a ReferenceError, caught like any other failure.
    const stream = new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    return undefined;
  }
}
