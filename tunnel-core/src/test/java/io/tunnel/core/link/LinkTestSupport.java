package io.tunnel.core.link;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.TunnelFrame;
import java.util.ArrayList;
import java.util.List;

/** What the link tests share: a link handler that takes no DIAL, and the frames a link channel wrote. */
final class LinkTestSupport {
    private LinkTestSupport() {
    }

    /** The agent's view of a link whose streams the test makes itself: a DIAL from the peer fails the test. */
    static final class NoDialLinkHandler extends TunnelLinkHandler {
        NoDialLinkHandler(TunnelLink link) {
            super(link);
        }

        @Override
        protected void onDial(ChannelHandlerContext ctx, DialFrame dial) {
            throw new AssertionError("no DIAL expected");
        }
    }

    /** Runs the link channel's pending tasks (the coalesced flush among them) and takes the frames it wrote. */
    static List<TunnelFrame> writtenFrames(EmbeddedChannel linkChannel) {
        linkChannel.runPendingTasks();
        List<TunnelFrame> frames = new ArrayList<>();
        Object msg;
        while ((msg = linkChannel.readOutbound()) != null) {
            frames.add((TunnelFrame) msg);
        }
        return frames;
    }
}
