package io.fanout.cli;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.TcpServerSink;

import java.io.IOException;
import java.net.InetSocketAddress;

/** Plain TCP clients, as tcpserversink: a {@link TcpServerSink}. */
final class TcpFrontEnd implements FrontEnd
{
    private final TcpServerSink server;

    TcpFrontEnd(final SinkConfig config, final InetSocketAddress bind, final int maxClients)
    {
        server = new TcpServerSink(config, bind, maxClients);
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
