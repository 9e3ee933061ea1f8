package io.tunnel.server;

import java.time.Duration;

/**
 * The access log's optional lines.
 *
 * @param openLines a line when a stream opens
 * @param progress  the interval of progress lines for open streams; zero for none
 */
record AccessLogConfig(boolean openLines, Duration progress) {
    /** Progress lines for streams open longer than five minutes, every five minutes. */
    static final Duration DEFAULT_PROGRESS = Duration.ofMinutes(5);
    /** The shortest progress interval: a line per open stream each time. */
    static final Duration MIN_PROGRESS = Duration.ofSeconds(1);
}
