package io.fanout.sink.format;

import java.io.IOException;

/**
 * Bad GDP input under {@code strict}: thrown by {@link GdpFramer#pump} at the first bad record,
 * naming the problem and the byte offset of the record in the input.
 */
public final class GdpFormatException extends IOException
{
    private static final long serialVersionUID = 1L;

    private final GdpFramer.Problem problem;
    private final long offset;

    /**
     * @param problem what is wrong.
     * @param offset  the input byte offset of the record's first header byte.
     * @param detail  what was found, appended to the message.
     */
    public GdpFormatException(final GdpFramer.Problem problem, final long offset, final String detail)
    {
        super(message(problem, offset, detail));
        this.problem = problem;
        this.offset = offset;
    }

    /** @return the message of such an exception, also the text of a non-strict report. */
    static String message(final GdpFramer.Problem problem, final long offset, final String detail)
    {
        return "GDP " + problem.description() + " at byte offset " + offset + ": " + detail;
    }

    /** @return what is wrong with the record. */
    public GdpFramer.Problem problem()
    {
        return problem;
    }

    /** @return the input byte offset of the record's first header byte. */
    public long offset()
    {
        return offset;
    }
}
