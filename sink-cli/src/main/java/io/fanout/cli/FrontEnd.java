package io.fanout.cli;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.Refusal;
import io.fanout.sink.RefusalListener;

import java.io.IOException;

/** How clients reach the sink: plain TCP (tcpserversink) or HTTP ({@code --http}). */
interface FrontEnd extends AutoCloseable
{
    /** Binds and starts serving. @throws IOException when the address cannot be bound. */
    void start() throws IOException;

    /** @return the sink that serves the clients. */
    MultiSocketSink sink();

    /** @return the bound port. */
    int port();

    /** @return connections refused at once, for any reason. */
    long refused();

    /** @return connections refused at once for {@code reason}. */
    long refused(Refusal reason);

    /** Before {@link #start()}: {@code listener} hears of every refused connection (selector thread). */
    void refusals(RefusalListener listener);

    /** @return accepts that failed (too many open files, ...); accepting pauses briefly after each. */
    long acceptFailures();

    /** Removes every client and stops listening. */
    @Override
    void close();
}
