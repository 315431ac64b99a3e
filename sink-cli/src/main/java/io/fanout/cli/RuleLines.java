package io.fanout.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines of an operator's rule file ({@code --acl-file}, {@code --token-file}): UTF-8, each line
 * stripped, blank lines and {@code #} comments left out, every line kept with its number for
 * error messages.
 */
final class RuleLines
{
    /** One line that counts, and where it is. */
    record Line(int number, String text)
    {
    }

    private RuleLines()
    {
    }

    /**
     * @param file the file.
     * @return its lines that are neither blank nor comments.
     * @throws IOException when it cannot be read.
     */
    static List<Line> read(final Path file) throws IOException
    {
        final List<Line> lines = new ArrayList<>();
        int number = 0;
        for (final String raw : Files.readAllLines(file, StandardCharsets.UTF_8))
        {
            number++;
            final String line = raw.strip();
            if (!line.isEmpty() && !line.startsWith("#"))
            {
                lines.add(new Line(number, line));
            }
        }
        return lines;
    }
}
