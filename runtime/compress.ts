/** Gzips `text` with the browser's CompressionStream; undefined when the browser cannot, or it fails. */
export async function gzip(text: string): Promise<Uint8Array | undefined> {
  if (typeof CompressionStream !== 'function') return undefined;
  try {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    return undefined;
  }
}
