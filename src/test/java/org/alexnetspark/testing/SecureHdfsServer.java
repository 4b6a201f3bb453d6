package org.alexnetspark.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.hadoop.security.ssl.KeyStoreTestUtil;

/**
 * The process behind {@link SecureHdfs}: a KDC (MiniKdc) and an HDFS with Kerberos on
 * (MiniDFSCluster: one name node, one data node), the way Hadoop's own secured tests set them up
 * (SaslDataTransferTestCase): Kerberos RPC, block access tokens, SASL on data transfer instead of
 * privileged ports, HTTPS only.
 *
 * <p>It runs in a JVM of its own because Hadoop's login is one per JVM: the name node logs its JVM
 * in as {@code hdfs/localhost}, which would make every client in that JVM a logged-in superuser.
 * Here the commands under test are the only clients, with no credentials but their own.
 *
 * <p>Usage: {@code SecureHdfsServer WORK_FOLDER}. It writes {@code WORK_FOLDER/ready.properties}
 * once the cluster is up, then serves lines on standard input: {@code export HDFS_PATH LOCAL_FOLDER
 * DONE_FILE} copies a tree out of HDFS as the superuser (writing a listing with owners beside it),
 * {@code stop} (or the end of input) shuts everything down.
 */
public final class SecureHdfsServer {
  /** The user principal's short name; it owns {@code /user/alice}. */
  static final String USER = "alice";

  private SecureHdfsServer() {}

  public static void main(String[] args) throws Exception {
    Path work = Paths.get(args[0]).toAbsolutePath();
    Path keytabs = Files.createDirectories(work.resolve("keytabs"));
    Path ssl = Files.createDirectories(work.resolve("ssl"));
    Path clientConf = Files.createDirectories(work.resolve("client-conf"));

    Properties kdcConf = MiniKdc.createConf();
    kdcConf.setProperty(MiniKdc.KDC_BIND_ADDRESS, "localhost");
    MiniKdc kdc = new MiniKdc(kdcConf, Files.createDirectories(work.resolve("kdc")).toFile());
    kdc.start();
    String realm = kdc.getRealm();
    File serviceKeytab = keytabs.resolve("hdfs.keytab").toFile();
    kdc.createPrincipal(serviceKeytab, "hdfs/localhost", "HTTP/localhost");
    File userKeytab = keytabs.resolve(USER + ".keytab").toFile();
    kdc.createPrincipal(userKeytab, USER);
    String service = "hdfs/localhost@" + realm;

    Configuration conf = new Configuration();
    conf.set("hadoop.security.authentication", "kerberos");
    conf.set("dfs.namenode.kerberos.principal", service);
    conf.set("dfs.namenode.keytab.file", serviceKeytab.getAbsolutePath());
    conf.set("dfs.datanode.kerberos.principal", service);
    conf.set("dfs.datanode.keytab.file", serviceKeytab.getAbsolutePath());
    conf.set("dfs.web.authentication.kerberos.principal", "HTTP/localhost@" + realm);
    conf.setBoolean("dfs.block.access.token.enable", true);
    // SASL on the data transfer protocol: data nodes need no privileged ports.
    conf.set("dfs.data.transfer.protection", "authentication");
    conf.set("dfs.http.policy", "HTTPS_ONLY");
    conf.set("dfs.namenode.https-address", "localhost:0");
    conf.set("dfs.datanode.https.address", "localhost:0");
    conf.setInt("ipc.client.connect.max.retries.on.sasl", 10);
    KeyStoreTestUtil.setupSSLConfig(keytabs.toString(), ssl.toString(), conf, false);
    conf.set("dfs.client.https.keystore.resource", KeyStoreTestUtil.getClientSSLConfigFileName());
    conf.set("dfs.https.server.keystore.resource", KeyStoreTestUtil.getServerSSLConfigFileName());
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("dfs").toString());
    conf.setLong("dfs.blocksize", 1024 * 1024);

    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).format(true).build();
    try {
      cluster.waitActive();
      FileSystem superuser = cluster.getFileSystem();
      org.apache.hadoop.fs.Path home = new org.apache.hadoop.fs.Path("/user/" + USER);
      superuser.mkdirs(home, new FsPermission((short) 0755));
      superuser.setOwner(home, USER, USER);
      String namenode = superuser.getUri().toString();

      writeClientConfiguration(clientConf, namenode, service);
      Properties ready = new Properties();
      ready.setProperty("namenode", namenode);
      ready.setProperty("principal", USER + "@" + realm);
      ready.setProperty("keytab", userKeytab.getAbsolutePath());
      ready.setProperty("krb5.conf", kdc.getKrb5conf().getAbsolutePath());
      ready.setProperty("client.conf", clientConf.toString());
      Path temporary = work.resolve(".ready.properties");
      try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
        ready.store(out, "secured HDFS for tests");
      }
      Files.move(temporary, work.resolve("ready.properties"), StandardCopyOption.ATOMIC_MOVE);
      System.out.println("secured HDFS ready at " + namenode);

      BufferedReader commands =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = commands.readLine()) != null && !line.equals("stop"); ) {
        String[] words = line.split(" ");
        if (words.length == 4 && words[0].equals("export")) {
          Path done = Paths.get(words[3]);
          String answer;
          try {
            export(superuser, new org.apache.hadoop.fs.Path(words[1]), Paths.get(words[2]));
            answer = "ok";
          } catch (IOException | RuntimeException e) {
            e.printStackTrace();
            answer = "failed: " + e;
          }
          Files.writeString(done.resolveSibling("." + done.getFileName()), answer);
          Files.move(
              done.resolveSibling("." + done.getFileName()), done, StandardCopyOption.ATOMIC_MOVE);
        }
      }
    } finally {
      cluster.shutdown(true);
      kdc.stop();
    }
    System.exit(0);
  }

  /** What a cluster's HADOOP_CONF_DIR gives its clients: where, and that it wants Kerberos. */
  private static void writeClientConfiguration(Path folder, String namenode, String service)
      throws IOException {
    Configuration core = new Configuration(false);
    core.set("fs.defaultFS", namenode);
    core.set("hadoop.security.authentication", "kerberos");
    Configuration hdfs = new Configuration(false);
    hdfs.set("dfs.namenode.kerberos.principal", service);
    hdfs.set("dfs.data.transfer.protection", "authentication");
    try (OutputStream out = Files.newOutputStream(folder.resolve("core-site.xml"))) {
      core.writeXml(out);
    }
    try (OutputStream out = Files.newOutputStream(folder.resolve("hdfs-site.xml"))) {
      hdfs.writeXml(out);
    }
  }

  /** Copies {@code from} to {@code to}, and writes {@code to.listing}: path, owner, mode, size. */
  private static void export(FileSystem fs, org.apache.hadoop.fs.Path from, Path to)
      throws IOException {
    StringBuilder listing = new StringBuilder();
    copy(fs, fs.getFileStatus(from), from, to, listing);
    Files.writeString(to.resolveSibling(to.getFileName() + ".listing"), listing);
  }

  private static void copy(
      FileSystem fs,
      FileStatus status,
      org.apache.hadoop.fs.Path root,
      Path to,
      StringBuilder listing)
      throws IOException {
    listing
        .append(status.getPath().toUri().getPath())
        .append(' ')
        .append(status.getOwner())
        .append(' ')
        .append(status.getPermission())
        .append(' ')
        .append(status.getLen())
        .append('\n');
    if (status.isDirectory()) {
      Files.createDirectories(to);
      for (FileStatus child : fs.listStatus(status.getPath())) {
        copy(fs, child, root, to.resolve(child.getPath().getName()), listing);
      }
    } else {
      fs.copyToLocalFile(false, status.getPath(), new org.apache.hadoop.fs.Path(to.toUri()), true);
    }
  }
}
