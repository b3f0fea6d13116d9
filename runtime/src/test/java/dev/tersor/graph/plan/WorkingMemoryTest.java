package dev.tersor.graph.plan;

import dev.tersor.graph.PassInterruptedException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The model-wide working memory on its own: the bound on passes, block reuse and growth, closing. */
class WorkingMemoryTest {

    /** Waits until {@code thread} is parked, which for these threads means waiting for a turn. */
    private static void awaitWaiting(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (thread.getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime()).as(thread.getName() + " never waited").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void neverMorePassesInsideThanTheBoundAndNoMoreBlocks() throws Exception {
        WorkingMemory memory = new WorkingMemory(3);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                long seed = t;
                done.add(threads.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    for (int call = 0; call < 200; call++) {
                        WorkingMemory.Block block = memory.borrow(1 + random.nextInt(1 << 16));
                        try {
                            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            LockSupport.parkNanos(20_000);
                        } finally {
                            inside.decrementAndGet();
                            memory.giveBack(block);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(mostInside.get()).isBetween(1, 3);
        assertThat(memory.mostPassesInside()).isBetween(1, 3);
        assertThat(memory.liveBlocks()).isBetween(1, 3);
        memory.close();
        assertThat(memory.liveBlocks()).isZero();
    }

    @Test
    void afterTheLargestRequestBlocksAreReusedForEverySize() throws Exception {
        WorkingMemory memory = new WorkingMemory(4);
        memory.giveBack(memory.borrow(1 << 20));
        assertThat(memory.allocations()).isEqualTo(1);
        ExecutorService threads = Executors.newFixedThreadPool(12);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                long seed = t;
                done.add(threads.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    for (int call = 0; call < 500; call++) {
                        WorkingMemory.Block block = memory.borrow(1 + random.nextInt(1 << 20));
                        Thread.yield();
                        memory.giveBack(block);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            threads.shutdownNow();
        }
        // 6,000 passes of random sizes: at most one block per turn, each allocated once at the largest size.
        assertThat(memory.allocations()).isBetween(1L, 4L);
        assertThat(memory.liveBlocks()).isEqualTo((int) memory.allocations());
        memory.close();
    }

    @Test
    void aLargerRequestReplacesTheBlockAndLaterSmallerOnesReuseIt() {
        WorkingMemory memory = new WorkingMemory(1);
        WorkingMemory.Block small = memory.borrow(1000);
        assertThat(small.capacity()).isGreaterThanOrEqualTo(1000);
        memory.giveBack(small);
        WorkingMemory.Block large = memory.borrow(50_000);
        assertThat(large).isNotSameAs(small);
        assertThat(large.capacity()).isGreaterThanOrEqualTo(50_000);
        large.memory().set(ValueLayout.JAVA_BYTE, 49_999, (byte) 7); // the whole request is usable
        assertThatThrownBy(() -> small.memory().get(ValueLayout.JAVA_BYTE, 0))
                .as("the outgrown block is freed, not kept").isInstanceOf(IllegalStateException.class);
        memory.giveBack(large);
        WorkingMemory.Block again = memory.borrow(1000);
        assertThat(again).isSameAs(large);
        memory.giveBack(again);
        assertThat(memory.allocations()).isEqualTo(2);
        assertThat(memory.liveBlocks()).isEqualTo(1);
        memory.close();
        assertThat(memory.liveBlocks()).isZero();
    }

    @Test
    void aFailedAllocationGivesBackItsTurnAndDoesNotEnlargeLaterBlocks() {
        WorkingMemory memory = new WorkingMemory(1);
        assertThatThrownBy(() -> memory.borrow(1L << 50)).isInstanceOf(OutOfMemoryError.class);
        // with the only turn kept by the failed pass, this would wait for ever
        WorkingMemory.Block block = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> memory.borrow(64));
        assertThat(block.capacity()).isLessThan(1L << 20);
        memory.giveBack(block);
        assertThat(memory.liveBlocks()).isEqualTo(1);
        memory.close();
    }

    @Test
    void waitingPassesAreServedInOrderOfArrival() throws Exception {
        WorkingMemory memory = new WorkingMemory(1);
        WorkingMemory.Block held = memory.borrow(64);
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int id = i;
            Thread waiter = new Thread(() -> {
                WorkingMemory.Block block = memory.borrow(64);
                order.add(id);
                memory.giveBack(block);
            }, "waiter-" + i);
            waiter.start();
            awaitWaiting(waiter);
            waiters.add(waiter);
        }
        memory.giveBack(held);
        for (Thread waiter : waiters) {
            waiter.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4);
        memory.close();
    }

    @Test
    void closingFailsWaitingPassesAndFreesLentBlocksWhenReturned() throws Exception {
        WorkingMemory memory = new WorkingMemory(1);
        WorkingMemory.Block held = memory.borrow(64);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                memory.giveBack(memory.borrow(64));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        waiter.start();
        awaitWaiting(waiter);
        memory.close();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(failure.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        held.memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // a lent block stays valid until given back
        assertThat(memory.liveBlocks()).isEqualTo(1);
        memory.giveBack(held);
        assertThat(memory.liveBlocks()).isZero();
        assertThatThrownBy(() -> held.memory().get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> memory.borrow(64)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anInterruptedWaitIsATypedErrorAndKeepsTheFlag() throws Exception {
        WorkingMemory memory = new WorkingMemory(1);
        WorkingMemory.Block held = memory.borrow(64);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Boolean> flagKept = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                memory.giveBack(memory.borrow(64));
            } catch (Throwable t) {
                failure.set(t);
                flagKept.set(Thread.currentThread().isInterrupted());
            }
        });
        waiter.start();
        awaitWaiting(waiter);
        waiter.interrupt();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(failure.get()).isInstanceOf(PassInterruptedException.class);
        assertThat(flagKept.get()).isTrue();
        memory.giveBack(held);
        // the interrupted wait took no turn: the only turn is free again
        memory.giveBack(memory.borrow(64));
        assertThat(memory.mostPassesInside()).isEqualTo(1);
        memory.close();
    }
}
