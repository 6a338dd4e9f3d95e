package io.dfs.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.contract.AbstractContractCreateTest;
import org.apache.hadoop.fs.contract.AbstractFSContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class TestDfsContractCreate extends AbstractContractCreateTest {
  @BeforeAll
  static void createCluster() throws Exception {
    DfsContract.createCluster();
  }

  @AfterAll
  static void destroyCluster() throws Exception {
    DfsContract.destroyCluster();
  }

  @Override
  protected AbstractFSContract createContract(Configuration conf) {
    return new DfsContract(conf);
  }
}
