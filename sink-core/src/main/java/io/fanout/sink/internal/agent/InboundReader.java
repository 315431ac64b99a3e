package io.fanout.sink.internal.agent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;

/**
 * What a client sends is read and discarded, bounded per readiness so a talkative client cannot
 * hold the selector thread; end of stream is a half-close: reading stops, serving goes on
 * (docs/semantics.md §9 with A.2.6). Selector thread only.
 */
final class InboundReader
{
    /** Most bytes read from one client per readiness: 256 KiB. */
    static final int READ_BUDGET_BYTES = 256 * 1024;

    private final ByteBuffer scratch = ByteBuffer.allocateDirect(64 * 1024);
    private Exception failure;

    /**
     * @param client a client whose key is readable.
     * @return false when the read failed ({@link #failure()}): the agent removes the client.
     */
    boolean read(final Client client)
    {
        int budget = READ_BUDGET_BYTES;
        try
        {
            while (budget > 0)
            {
                scratch.clear();
                final int n = client.channel.read(scratch);
                if (n > 0)
                {
                    client.bytesReceived += n;
                    budget -= n;
                }
                else if (n == 0)
                {
                    break;
                }
                else
                {
                    client.inputShutdown = true; // half-close: stop reading, keep serving
                    client.key.interestOps(client.key.interestOps() & ~SelectionKey.OP_READ);
                    break;
                }
            }
            return true;
        }
        catch (final IOException | RuntimeException ex) // CancelledKeyException: closed behind the sink's back
        {
            failure = ex;
            return false;
        }
    }

    /** @return why the last failed {@link #read} failed. */
    Exception failure()
    {
        return failure;
    }
}
