/** Gzips `body` with the browser's CompressionStream; rejects when the browser cannot, or it fails. */
export const gzip = async (body: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> =>
  // Where CompressionStream is missing, naming it throws a ReferenceError: a rejection, like any other failure.
  new Response(new Response(body).body!.pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
