package io.fanout.sink.internal.agent;

import io.fanout.sink.SinkConfig;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.internal.sync.LagPolicy;
import io.fanout.sink.internal.sync.QueueView;
import io.fanout.sink.internal.sync.Retention;

/**
 * The configuration-dependent glue between the selector loop and the pure policy functions of
 * {@code io.fanout.sink.internal.sync}: the limits converted to indices, and the retention index, for a
 * given view of the queue. Selector thread only.
 */
final class SyncEngine
{
    private final SinkConfig config;
    private final boolean defaultUsesKeyframeRule;
    private int keyframeRuleClients;

    SyncEngine(final SinkConfig config)
    {
        this.config = config;
        this.defaultUsesKeyframeRule = usesKeyframeRule(config.syncMethod());
    }

    /** docs/semantics.md A.2.12: latest-keyframe and burst-keyframe clients keep the newest keyframe in the queue. */
    static boolean usesKeyframeRule(final SyncMethod method)
    {
        return method == SyncMethod.LATEST_KEYFRAME || method == SyncMethod.BURST_KEYFRAME;
    }

    void clientAdded(final Client client)
    {
        if (usesKeyframeRule(client.sync.syncMethod()))
        {
            keyframeRuleClients++;
        }
    }

    void clientRemoved(final Client client)
    {
        if (usesKeyframeRule(client.sync.syncMethod()))
        {
            keyframeRuleClients--;
        }
    }

    /** @return true when the keep-a-keyframe rule applies (docs/semantics.md A.2.12). */
    boolean keyframeRuleActive()
    {
        return defaultUsesKeyframeRule || keyframeRuleClients > 0;
    }

    /**
     * @param q the retained queue.
     * @return the soft limit as an index, or -1 when no soft limit is set.
     */
    int softIndex(final QueueView q)
    {
        return config.unitsSoftMax() > 0 ? LagPolicy.buffersMax(q, config.unitFormat(), config.unitsSoftMax()) : -1;
    }

    /**
     * @param q the retained queue.
     * @return the hard limit as an index, or -1 when no hard limit is set.
     */
    int hardIndex(final QueueView q)
    {
        return config.unitsMax() > 0 ? LagPolicy.buffersMax(q, config.unitFormat(), config.unitsMax()) : -1;
    }

    /** @return true when any lag limit is configured. */
    boolean hasLimits()
    {
        return config.unitsSoftMax() > 0 || config.unitsMax() > 0;
    }

    /**
     * What the queue keeps for new clients apart from connected clients' needs (docs/semantics.md §4.3 (b) and (c)).
     *
     * @param q the queue, index 0 newest.
     * @return keep buffers 0 .. this index.
     */
    int retentionIndex(final QueueView q)
    {
        int index = Retention.minIndex(q, config.bytesMin(), config.timeMinNs(), config.buffersMin());
        if (keyframeRuleActive())
        {
            index = Math.max(index, Retention.keyframeIndex(q, softIndex(q)));
        }
        return index;
    }
}
