package io.fanout.cli;

import java.util.ArrayList;
import java.util.List;

/** Reads the first MPEG-TS packets of a capture, for the real-peer tests. */
final class TsPackets
{
    static final int SIZE = 188;

    private TsPackets()
    {
    }

    /** One packet's PID and whether its adaptation field has random_access_indicator set. */
    record Packet(int pid, boolean randomAccess)
    {
    }

    static List<Packet> first(final byte[] capture, final int offset, final int count)
    {
        final List<Packet> packets = new ArrayList<>();
        for (int at = offset; at + SIZE <= capture.length && packets.size() < count; at += SIZE)
        {
            if ((capture[at] & 0xFF) != 0x47)
            {
                throw new AssertionError("no sync byte at offset " + at);
            }
            final int pid = ((capture[at + 1] & 0x1F) << 8) | (capture[at + 2] & 0xFF);
            final int adaptation = (capture[at + 3] >> 4) & 0x3;
            final boolean hasAdaptation = adaptation == 2 || adaptation == 3;
            final boolean randomAccess = hasAdaptation && (capture[at + 4] & 0xFF) > 0 && (capture[at + 5] & 0x40) != 0;
            packets.add(new Packet(pid, randomAccess));
        }
        return packets;
    }

    /** @return the PMT PID of the first program in the PAT packet at {@code at}. */
    static int pmtPid(final byte[] capture, final int at)
    {
        final int adaptation = (capture[at + 3] >> 4) & 0x3;
        final int payloadStart = adaptation == 3 ? at + 5 + (capture[at + 4] & 0xFF) : at + 4;
        final int payload = payloadStart + 1 + (capture[payloadStart] & 0xFF); // pointer_field
        // table_id, section_length(2), ts_id(2), version(1), section_number, last_section_number = 8 bytes
        for (int entry = payload + 8; entry + 4 <= at + SIZE; entry += 4)
        {
            final int program = ((capture[entry] & 0xFF) << 8) | (capture[entry + 1] & 0xFF);
            final int pid = ((capture[entry + 2] & 0x1F) << 8) | (capture[entry + 3] & 0xFF);
            if (program != 0)
            {
                return pid;
            }
        }
        throw new AssertionError("no program in the PAT");
    }
}
