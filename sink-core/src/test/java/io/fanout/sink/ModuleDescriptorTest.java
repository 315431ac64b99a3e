package io.fanout.sink;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The module descriptor seals the internals: only the public API packages are exported (docs/design.md). */
class ModuleDescriptorTest
{
    @Test
    void exportsOnlyThePublicApi()
    {
        final ModuleDescriptor descriptor = descriptor();
        assertEquals("io.fanout.sink", descriptor.name());
        final Set<String> exported = descriptor.exports().stream()
            .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertEquals(Set.of("io.fanout.sink", "io.fanout.sink.format"), exported);
        assertTrue(descriptor.opens().isEmpty(), "nothing is opened for reflection");
        assertTrue(descriptor.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified),
            "no qualified export leaks an internal package");
    }

    @Test
    void internalPackagesExistButAreNotExported()
    {
        final ModuleDescriptor descriptor = descriptor();
        final Set<String> internal = descriptor.packages().stream()
            .filter(p -> p.startsWith("io.fanout.sink.internal")).collect(Collectors.toSet());
        assertTrue(internal.containsAll(Set.of("io.fanout.sink.internal.ring", "io.fanout.sink.internal.sync",
            "io.fanout.sink.internal.agent")), "internal packages: " + internal);
    }

    private static ModuleDescriptor descriptor()
    {
        final ModuleReference reference = ModuleFinder.of(Path.of("target", "classes")).find("io.fanout.sink")
            .orElseThrow(() -> new AssertionError("no module-info.class under target/classes"));
        return reference.descriptor();
    }
}
