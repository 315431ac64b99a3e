package io.fanout.cli;

/** A bad or contradictory option: the CLI prints the message on one line and exits 2. */
final class UsageException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    UsageException(final String message)
    {
        super(message);
    }
}
