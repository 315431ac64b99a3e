package io.fanout.cli;

import io.fanout.sink.Admission;
import io.fanout.sink.Handshake;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.Refusal;
import io.fanout.sink.RefusalListener;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.TcpServerSink;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A {@link TcpServerSink}: plain TCP clients as tcpserversink, or, with a handshake, clients that
 * first send a request ({@code --http}: {@link HttpHandshake}). Accepting (with its back-off after
 * a failed accept), the client limit, the handshake and the streaming all run on the sink's one
 * selector thread: one accept path for TCP and HTTP.
 */
final class TcpFrontEnd implements FrontEnd
{
    private final TcpServerSink server;

    /**
     * @param config     the sink's settings.
     * @param bind       the address to listen on.
     * @param maxClients the client limit, 0 for none.
     * @param handshake  what every connection passes before it becomes a client, or null for none.
     * @param admission  who may connect ({@code --allow}, {@code --deny}, {@code --max-clients-per-ip}).
     */
    TcpFrontEnd(final SinkConfig config, final InetSocketAddress bind, final int maxClients, final Handshake handshake,
        final Admission admission)
    {
        server = new TcpServerSink(config, bind, maxClients).handshake(handshake).admission(admission);
    }

    @Override
    public void start() throws IOException
    {
        server.start();
    }

    @Override
    public MultiSocketSink sink()
    {
        return server.sink();
    }

    @Override
    public int port()
    {
        return server.currentPort();
    }

    @Override
    public long refused()
    {
        return server.refusedClients();
    }

    @Override
    public long refused(final Refusal reason)
    {
        return server.refusedClients(reason);
    }

    @Override
    public void refusals(final RefusalListener listener)
    {
        server.refusals(listener);
    }

    @Override
    public long acceptFailures()
    {
        return server.acceptFailures();
    }

    @Override
    public void close()
    {
        server.close();
    }
}
