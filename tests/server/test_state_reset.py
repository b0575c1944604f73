"""World.reset: the state is gone at once for callers, and is freed in the background, boundedly."""
import asyncio
import gc
import weakref

from fakepai.state.store import Garbage, World


class Item:
    """A stand-in resource (weak-referenceable, so a test can see when it is freed)."""


class Store:
    def __init__(self):
        self.items: dict[int, Item] = {}
        self.order: list[Item] = []


def filled_world(count: int) -> tuple[World, list[weakref.ref]]:
    world = World()
    store = world.account("acct").namespace(Store)
    refs = []
    for i in range(count):
        item = Item()
        store.items[i] = item
        store.order.append(item)
        refs.append(weakref.ref(item))
    return world, refs


def alive(refs: list[weakref.ref]) -> int:
    return sum(ref() is not None for ref in refs)


def test_reset_without_a_loop_frees_at_once():
    world, refs = filled_world(100)
    world.reset()
    assert world.accounts == {} and alive(refs) == 0 and len(world.garbage) == 0


def test_reset_on_the_loop_answers_before_freeing_and_frees_in_the_background():
    async def scenario():
        world, refs = filled_world(5_000)
        world.reset()
        # Gone for every caller at once, though the objects are not freed yet.
        assert world.accounts == {} and world.account("acct").peek(Store) is None
        assert alive(refs) == 5_000 and len(world.garbage) == 1
        for _ in range(2_000):
            if not len(world.garbage):
                break
            await asyncio.sleep(0.001)
        return world, refs

    world, refs = asyncio.run(scenario())
    gc.collect()
    assert len(world.garbage) == 0 and alive(refs) == 0


def test_a_large_state_is_freed_a_slice_per_loop_turn():
    """Other work on the loop runs between slices (how long a slice takes is benchmarks/' business)."""
    async def scenario():
        world, refs = filled_world(50_000)
        world.reset()
        turns_while_freeing, freed_so_far = 0, []
        while len(world.garbage):
            await asyncio.sleep(0)
            turns_while_freeing += 1
            freed_so_far.append(50_000 - alive(refs))
        return turns_while_freeing, freed_so_far

    turns, freed = asyncio.run(scenario())
    assert turns > 5                          # not all in one go
    assert any(0 < n < 50_000 for n in freed)  # seen part-freed between turns


def test_resets_faster_than_the_loop_can_free_keep_memory_bounded():
    async def scenario():
        world = World()
        all_refs = []
        for _ in range(Garbage.MAX_PENDING + 3):
            store = world.account("acct").namespace(Store)
            for i in range(200):
                item = Item()
                store.items[i] = item
                all_refs.append(weakref.ref(item))
            world.reset()          # no await in between: the loop gets no turn to free anything
            assert len(world.garbage) <= Garbage.MAX_PENDING
        return world, all_refs

    world, refs = asyncio.run(scenario())
    # Only the last MAX_PENDING states were waiting; the older ones were freed by the resets.
    assert alive(refs) <= Garbage.MAX_PENDING * 200


def test_a_loop_that_ends_mid_freeing_does_not_strand_the_rest():
    """A server stopped while freeing (or an asyncio.run that returned) leaves its slices behind;
    the next reset on a new loop frees the leftovers too, in the background again."""
    world, refs = filled_world(50_000)

    async def reset_and_leave():
        world.reset()                       # the loop ends before any slice ran

    asyncio.run(reset_and_leave())
    assert len(world.garbage) == 1 and alive(refs) == 50_000

    async def reset_again_and_wait():
        world.account("acct").namespace(Store).items[0] = Item()
        world.reset()
        for _ in range(5_000):
            if not len(world.garbage):
                return
            await asyncio.sleep(0.001)

    asyncio.run(reset_again_and_wait())
    gc.collect()
    assert len(world.garbage) == 0 and alive(refs) == 0
