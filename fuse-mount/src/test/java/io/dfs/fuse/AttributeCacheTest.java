package io.dfs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.dfs.proto.FileStatus;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AttributeCacheTest {
  private final AtomicLong now = new AtomicLong();
  private final AttributeCache cache = new AttributeCache(now::get);

  private static FileStatus file(String path, int mode) {
    return FileStatus.newBuilder().setPath(path).setMode(mode).build();
  }

  @Test
  void entriesExpireAfterTheTtl() {
    cache.fill("/a", file("/a", 0644), cache.epoch());
    assertThat(cache.get("/a").getMode()).isEqualTo(0644);
    now.addAndGet(AttributeCache.TTL_NANOS + 1);
    assertThat(cache.get("/a")).isNull();
  }

  @Test
  void aReadThatStartedBeforeAChangeDoesNotPutBackWhatItRead() {
    long started = cache.epoch();
    cache.changed("/a", file("/a", 0600));
    cache.fill("/a", file("/a", 0644), started);
    assertThat(cache.get("/a").getMode()).isEqualTo(0600);
  }

  @Test
  void aListedDirectoryKnowsWhatItLacksUntilTheTtl() {
    cache.listed("/d", List.of("x"), cache.epoch());
    assertThat(cache.knownAbsent("/d/y")).isTrue();
    assertThat(cache.knownAbsent("/d/x")).isFalse();
    assertThat(cache.knownAbsent("/other/y")).isFalse();
    cache.listed("/", List.of("d"), cache.epoch());
    assertThat(cache.knownAbsent("/")).isFalse();
    cache.nameAdded("/d/y");
    assertThat(cache.knownAbsent("/d/y")).isFalse();
    cache.nameRemoved("/d/x");
    assertThat(cache.knownAbsent("/d/x")).isTrue();
    now.addAndGet(AttributeCache.TTL_NANOS + 1);
    assertThat(cache.knownAbsent("/d/z")).isFalse();
  }

  @Test
  void aListingThatRacedAChangeIsNotKept() {
    long started = cache.epoch();
    cache.changed("/d/new", file("/d/new", 0644));
    cache.listed("/d", List.of(), started);
    assertThat(cache.knownAbsent("/d/new")).isFalse();
  }

  @Test
  void aCreatedDirectoryIsEmptyAndRenamingItForgetsIt() {
    cache.createdDirectory("/new");
    assertThat(cache.knownAbsent("/new/f")).isTrue();
    cache.invalidateTree("/new");
    assertThat(cache.knownAbsent("/new/f")).isFalse();
  }

  @Test
  void aCreateKeepsItsDirectorysAttributesWithTheCreatesTimesUntilTheyWouldHaveExpired() {
    cache.fill("/d", FileStatus.newBuilder().setPath("/d").setMode(02775).setMtimeMs(1).setChildren(4).build(),
        cache.epoch());
    now.addAndGet(AttributeCache.TTL_NANOS / 2);
    cache.entryCreated("/d/f", FileStatus.newBuilder().setPath("/d/f").setCtimeMs(5000).build());
    FileStatus dir = cache.get("/d");
    assertThat(dir.getMode()).isEqualTo(02775); // what the next create there needs
    assertThat(dir.getMtimeMs()).isEqualTo(5000);
    assertThat(dir.getCtimeMs()).isEqualTo(5000);
    assertThat(dir.getChildren()).isEqualTo(5);
    now.addAndGet(AttributeCache.TTL_NANOS / 2 + 1); // other clients' changes still show within the TTL
    assertThat(cache.get("/d")).isNull();
  }
}
