package org.alexnetspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.alexnetspark.config.InvalidConfigException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/**
 * What {@link KerberosLogin} decides without a KDC; the logins themselves run against a real KDC
 * and a secured HDFS in {@code KerberosIT}. None of these cases may touch Hadoop's JVM-wide login.
 */
class KerberosLoginTest {

  private static Configuration hadoop(String authentication) {
    Configuration conf = new Configuration(false);
    conf.set("hadoop.security.authentication", authentication);
    return conf;
  }

  @Test
  void anUnsecuredClusterNeedsNoLoginEvenWithAKeytabGiven() {
    SparkConf spark =
        new SparkConf(false)
            .set(KerberosLogin.PRINCIPAL, "alice@EXAMPLE.COM")
            .set(KerberosLogin.KEYTAB, "/no/such/alice.keytab");
    assertEquals(KerberosLogin.Outcome.NOT_REQUIRED, KerberosLogin.ensure(spark, hadoop("simple")));
    assertEquals(
        KerberosLogin.Outcome.NOT_REQUIRED,
        KerberosLogin.ensure(new SparkConf(false), hadoop("simple")));
    assertFalse(UserGroupInformation.isSecurityEnabled(), "Hadoop's login left as it was");
  }

  @Test
  void principalAndKeytabGoTogether() {
    SparkConf onlyPrincipal =
        new SparkConf(false).set(KerberosLogin.PRINCIPAL, "alice@EXAMPLE.COM");
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class,
            () -> KerberosLogin.ensure(onlyPrincipal, hadoop("kerberos")));
    assertTrue(e.getMessage().contains("set both"), e.getMessage());
    SparkConf onlyKeytab = new SparkConf(false).set(KerberosLogin.KEYTAB, "/x/alice.keytab");
    assertThrows(
        InvalidConfigException.class, () -> KerberosLogin.ensure(onlyKeytab, hadoop("simple")));
  }

  @Test
  void aMissingKeytabIsNamedBeforeAnyLogin() {
    SparkConf spark =
        new SparkConf(false)
            .set(KerberosLogin.PRINCIPAL, "alice@EXAMPLE.COM")
            .set(KerberosLogin.KEYTAB, "local:///no/such/alice.keytab");
    InvalidConfigException e =
        assertThrows(
            InvalidConfigException.class, () -> KerberosLogin.ensure(spark, hadoop("kerberos")));
    assertTrue(
        e.getMessage()
            .contains(
                "'spark.kerberos.keytab' = local:///no/such/alice.keytab: "
                    + "no readable keytab there"),
        e.getMessage());
    assertFalse(UserGroupInformation.isSecurityEnabled(), "Hadoop's login left as it was");
  }
}
