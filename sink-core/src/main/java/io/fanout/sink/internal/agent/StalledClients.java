package io.fanout.sink.internal.agent;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The inactivity timeout (docs/semantics.md §8 with A.2.5): a lagging client (data pending, socket
 * full) that accepted no byte for {@code timeoutNs} is removed SLOW. One timer per lagging client in
 * Agrona's {@link DeadlineTimerWheel}, so a duty cycle costs O(expired timers), not O(lagging clients).
 * <p>
 * Timers are lazy: a timer is set when a client starts lagging and is not moved when the client
 * writes; when it fires, the client's real deadline (its last byte out or the start of its wait,
 * whichever is later, plus the timeout) is compared with the clock, and the timer is set again
 * for that deadline when it has not passed. A timer that fires for a client that no longer lags
 * is dropped. It decides; the agent removes the clients {@link #poll} returns. Selector thread only.
 */
final class StalledClients
{
    /** Tick of the wheel: 2^20 ns, about 1 ms. */
    private static final long TICK_NS = 1L << 20;
    private static final int TICKS_PER_WHEEL = 1024;
    private static final int EXPIRY_LIMIT = 1024;

    private final long timeoutNs;
    private final ClientList lagging;
    private final DeadlineTimerWheel wheel;
    private final Long2ObjectHashMap<Client> byTimer = new Long2ObjectHashMap<>();
    private final ArrayList<Client> expired = new ArrayList<>();
    private final DeadlineTimerWheel.TimerHandler onExpiry = this::onExpiry;

    /**
     * @param timeoutNs the timeout in ns; 0 turns it off.
     * @param lagging   the lagging clients: only they can time out.
     * @param nowMonoNs the monotonic clock now.
     */
    StalledClients(final long timeoutNs, final ClientList lagging, final long nowMonoNs)
    {
        this.timeoutNs = timeoutNs;
        this.lagging = lagging;
        this.wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, nowMonoNs, TICK_NS, TICKS_PER_WHEEL);
    }

    /** A client started lagging at {@code client.pendingSinceMonoNs}: its timer is set, unless it has one. */
    void lagging(final Client client)
    {
        if (timeoutNs > 0 && client.timerId < 0)
        {
            schedule(client, deadline(client));
        }
    }

    /** The client is removed: its timer goes. */
    void removed(final Client client)
    {
        if (client.timerId >= 0)
        {
            wheel.cancelTimer(client.timerId);
            byTimer.remove(client.timerId);
            client.timerId = -1;
        }
    }

    /**
     * @param nowMonoNs the monotonic clock now.
     * @return the clients that timed out, to remove SLOW (a list reused by the next poll).
     */
    ArrayList<Client> poll(final long nowMonoNs)
    {
        expired.clear();
        if (timeoutNs <= 0)
        {
            return expired;
        }
        if (wheel.timerCount() == 0)
        {
            wheel.currentTickTime(nowMonoNs); // nothing to expire: the wheel jumps to now
            return expired;
        }
        // a poll examines one tick and moves on by at most one: poll until the wheel has caught up
        // with the clock (a parked duty cycle leaves it up to 10 ticks behind)
        do
        {
            wheel.poll(nowMonoNs, onExpiry, EXPIRY_LIMIT);
        }
        while (wheel.timerCount() > 0 && nowMonoNs >= wheel.currentTickTime() && expired.size() < EXPIRY_LIMIT);
        if (wheel.timerCount() == 0)
        {
            wheel.currentTickTime(nowMonoNs);
        }
        return expired;
    }

    /**
     * @param nowMonoNs the monotonic clock now.
     * @return when the timers should next be polled: a quarter of the timeout from now (at least
     * 1 ms) while any is set, so that an idle selector thread notices an expiry within a quarter
     * of the timeout; Long.MAX_VALUE while none is.
     */
    long nextPollNs(final long nowMonoNs)
    {
        return timeoutNs > 0 && wheel.timerCount() > 0 ? nowMonoNs + Math.max(1_000_000, timeoutNs / 4) : Long.MAX_VALUE;
    }

    /** @return the number of timers set: one per lagging client, at most. */
    long timers()
    {
        return wheel.timerCount();
    }

    private boolean onExpiry(final TimeUnit unit, final long nowMonoNs, final long timerId)
    {
        final Client client = byTimer.remove(timerId);
        if (client == null)
        {
            return true;
        }
        client.timerId = -1;
        if (client.removed() || client.list != lagging)
        {
            return true; // it caught up meanwhile: a new timer is set when it lags again
        }
        final long deadline = deadline(client);
        if (nowMonoNs - deadline > 0)
        {
            expired.add(client);
        }
        else
        {
            schedule(client, deadline + 1);
        }
        return true;
    }

    private long deadline(final Client client)
    {
        return Math.max(client.lastActivityMonoNs, client.pendingSinceMonoNs) + timeoutNs;
    }

    private void schedule(final Client client, final long deadlineNs)
    {
        client.timerId = wheel.scheduleTimer(deadlineNs);
        byTimer.put(client.timerId, client);
    }
}
