package io.dfs.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.contract.AbstractContractVectoredReadTest;
import org.apache.hadoop.fs.contract.AbstractFSContract;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** Hadoop's default vectored read over our positioned reads, with heap and direct buffers. */
@ExtendWith(DfsClusterExtension.class)
@ParameterizedClass(name = "buffer-{0}")
@MethodSource("params")
class TestDfsContractVectoredRead extends AbstractContractVectoredReadTest {
  TestDfsContractVectoredRead(String bufferType) {
    super(bufferType);
  }

  @Override
  protected AbstractFSContract createContract(Configuration conf) {
    return new DfsContract(conf);
  }
}
