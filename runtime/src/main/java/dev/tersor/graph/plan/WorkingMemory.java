package dev.tersor.graph.plan;

import dev.tersor.graph.PassInterruptedException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The per-call working memory of one model's passes, and the bound on how many passes run at once.
 * A pass waits for a turn (first come, first served, without spinning), then borrows one block large
 * enough for its plan and gives it back when done. A block too small for a plan is replaced by one as
 * large as the largest plan run so far, so blocks stop being reallocated once the largest shape has
 * run; steady state allocates nothing per call, and no more blocks exist than passes may run at once.
 * <p>
 * Before, each plan (one per input shape) kept its own buffers and allocated and freed more under
 * load; with 64 threads and 64 shapes the C allocator kept hundreds of MiB of freed buffers resident.
 */
public final class WorkingMemory implements AutoCloseable {

    /** One block of memory a pass lays its plan's slices over. */
    public static final class Block {
        private final Arena owner;
        private final MemorySegment memory;
        /** The views of the last plan that used this block, kept for the next pass of that plan. */
        Plan.ExecutionContext views;

        private Block(long bytes) {
            owner = Arena.ofShared();
            memory = owner.allocate(Math.max(bytes, 1), BufferPlanner.ALIGNMENT);
        }

        MemorySegment memory() {
            return memory;
        }

        long capacity() {
            return memory.byteSize();
        }

        private void free() {
            views = null;
            owner.close();
        }
    }

    private final int concurrentPasses;
    /** Fair, so a waiting pass is never overtaken by later arrivals. */
    private final Semaphore turns;
    private final Object lock = new Object();
    /** Guarded by {@code lock}: blocks not lent out. */
    private final List<Block> idle = new ArrayList<>();
    /** Guarded by {@code lock}: the size of the largest block allocated so far. */
    private long largestBlock;
    /** Guarded by {@code lock}. */
    private boolean closed;
    /** Guarded by {@code lock}: blocks allocated so far, for tests. */
    private long allocations;
    /** Guarded by {@code lock}: blocks allocated and not yet freed, for tests. */
    private int liveBlocks;
    /** Guarded by {@code lock}: passes between borrow and give-back, now and at most, for tests. */
    private int passesInside;
    private int mostPassesInside;

    public WorkingMemory(int concurrentPasses) {
        if (concurrentPasses < 1) {
            throw new IllegalArgumentException("concurrent passes must be at least 1, not " + concurrentPasses);
        }
        this.concurrentPasses = concurrentPasses;
        this.turns = new Semaphore(concurrentPasses, true);
    }

    /**
     * Waits for a turn and lends a block of at least {@code bytes}, which the caller must give back.
     * Throws {@link PassInterruptedException} if the thread is interrupted while waiting, and
     * {@link IllegalStateException} once this memory is closed.
     */
    public Block borrow(long bytes) {
        try {
            turns.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PassInterruptedException("interrupted while waiting for a turn to run the model", e);
        }
        Block stale;
        long size;
        synchronized (lock) {
            if (closed) {
                turns.release();
                throw new IllegalStateException("the model is closed");
            }
            passesInside++;
            mostPassesInside = Math.max(mostPassesInside, passesInside);
            for (int i = 0; i < idle.size(); i++) {
                if (idle.get(i).capacity() >= bytes) {
                    return idle.remove(i);
                }
            }
            stale = idle.isEmpty() ? null : idle.removeLast();
            if (stale == null) {
                liveBlocks++;
            }
            allocations++;
            size = Math.max(bytes, largestBlock);
        }
        // Freeing and allocating happen outside the lock: closing a shared arena waits on every thread.
        try {
            if (stale != null) {
                stale.free();
            }
            Block block = new Block(size);
            synchronized (lock) {
                // Only a block that exists raises the size of later ones, so a failed request for a
                // huge plan does not make every later block try the same size.
                largestBlock = Math.max(largestBlock, size);
            }
            return block;
        } catch (RuntimeException | Error e) {
            synchronized (lock) {
                liveBlocks--;
                passesInside--;
            }
            turns.release();
            throw e;
        }
    }

    /** Takes back a block from {@link #borrow}; after {@link #close}, frees it instead. */
    public void giveBack(Block block) {
        boolean free;
        synchronized (lock) {
            passesInside--;
            free = closed;
            if (free) {
                liveBlocks--;
            } else {
                idle.add(block);
            }
        }
        if (free) {
            block.free();
        }
        turns.release();
    }

    /**
     * Frees the idle blocks now and each lent block when it comes back; later borrows fail. Closing
     * also opens the gate for good, so passes still waiting for a turn wake and fail at once rather
     * than wait on memory that will never be lent again.
     */
    @Override
    public void close() {
        List<Block> blocks;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            blocks = List.copyOf(idle);
            idle.clear();
            liveBlocks -= blocks.size();
        }
        blocks.forEach(Block::free);
        // Every waiter gets a permit; the sum stays within int range since each pass releases what it took.
        turns.release(Integer.MAX_VALUE - concurrentPasses);
    }

    long allocations() {
        synchronized (lock) {
            return allocations;
        }
    }

    int liveBlocks() {
        synchronized (lock) {
            return liveBlocks;
        }
    }

    int mostPassesInside() {
        synchronized (lock) {
            return mostPassesInside;
        }
    }
}
