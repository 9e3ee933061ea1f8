package io.tunnel.core.link;

import io.tunnel.core.protocol.TunnelFrame;

/** Where a stream's DATA and CLOSE go: the link, in order with the stream's earlier frames. */
interface StreamFrameWriter {
    /** Queues a DATA or CLOSE frame (ownership of a DATA payload passes). */
    void writeStreamFrame(TunnelFrame frame);
}
