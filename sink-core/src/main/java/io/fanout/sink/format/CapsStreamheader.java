package io.fanout.sink.format;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code streamheader} field of caps as GStreamer prints them ({@code gst_caps_to_string},
 * the text of a GDP caps record; docs/gdp.md §6): the first structure's
 * {@code streamheader=(buffer)< HEX, HEX, … >}, an array of buffers, each the hex of its bytes.
 * Only the first structure counts, as multihandlesink reads it (docs/semantics.md §7); quoted strings and
 * nested values of other fields are passed over. Used by the GDP framer and by the GStreamer
 * adapter ({@code sink-gst}), so that both take a caps streamheader by the same rules.
 * <p>
 * Stateless; any thread.
 */
public final class CapsStreamheader
{
    private static final String FIELD = "streamheader";

    private CapsStreamheader()
    {
    }

    /**
     * @param caps a caps string (without its NUL).
     * @return the streamheader buffers in order, or null when the first structure has no
     *         {@code streamheader} field or its array is empty.
     * @throws IllegalArgumentException when the field is there but is not an array of hex buffers.
     */
    public static byte[][] parse(final String caps)
    {
        final int value = fieldValue(caps);
        return value < 0 ? null : parseArray(caps, value);
    }

    /** @return the index just after {@code streamheader=} in the first structure, or -1. */
    private static int fieldValue(final String caps)
    {
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < caps.length(); i++)
        {
            final char c = caps.charAt(i);
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == '<' || c == '{' || c == '[' || c == '(')
            {
                depth++;
            }
            else if (c == '>' || c == '}' || c == ']' || c == ')')
            {
                depth--;
            }
            else if (depth == 0 && c == ';')
            {
                return -1; // end of the first structure
            }
            else if (depth == 0 && c == ',')
            {
                final int name = skipSpaces(caps, i + 1);
                if (caps.startsWith(FIELD, name))
                {
                    final int equals = skipSpaces(caps, name + FIELD.length());
                    if (equals < caps.length() && caps.charAt(equals) == '=')
                    {
                        return equals + 1;
                    }
                }
            }
        }
        return -1;
    }

    private static byte[][] parseArray(final String caps, final int value)
    {
        int i = skipSpaces(caps, value);
        if (caps.startsWith("(", i))
        {
            final int close = caps.indexOf(')', i);
            if (close < 0 || !caps.substring(i + 1, close).strip().equals("buffer"))
            {
                throw new IllegalArgumentException("streamheader is not of type buffer");
            }
            i = skipSpaces(caps, close + 1);
        }
        if (!caps.startsWith("<", i))
        {
            throw new IllegalArgumentException("streamheader is not an array '< … >'");
        }
        final int end = caps.indexOf('>', i);
        if (end < 0)
        {
            throw new IllegalArgumentException("streamheader array has no closing '>'");
        }
        final String items = caps.substring(i + 1, end).strip();
        if (items.isEmpty())
        {
            return null;
        }
        final List<byte[]> buffers = new ArrayList<>();
        for (final String item : items.split(",", -1))
        {
            buffers.add(hex(item.strip(), buffers.size()));
        }
        return buffers.toArray(new byte[0][]);
    }

    private static byte[] hex(final String text, final int index)
    {
        if (text.isEmpty() || text.length() % 2 != 0)
        {
            throw new IllegalArgumentException("streamheader buffer " + index + " is not an even number of hex digits");
        }
        final byte[] bytes = new byte[text.length() / 2];
        for (int k = 0; k < bytes.length; k++)
        {
            final int hi = hexDigit(text.charAt(2 * k));
            final int lo = hexDigit(text.charAt(2 * k + 1));
            if (hi < 0 || lo < 0)
            {
                throw new IllegalArgumentException("streamheader buffer " + index + " is not hex");
            }
            bytes[k] = (byte)(hi << 4 | lo);
        }
        return bytes;
    }

    private static int hexDigit(final char c)
    {
        if (c >= '0' && c <= '9')
        {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f')
        {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F')
        {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static int skipSpaces(final String text, final int from)
    {
        int i = from;
        while (i < text.length() && Character.isWhitespace(text.charAt(i)))
        {
            i++;
        }
        return i;
    }
}
