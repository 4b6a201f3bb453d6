package org.alexnetspark.io;

import java.net.URI;
import org.apache.hadoop.fs.Path;

/**
 * The one way locations are joined: {@code child(folder, "manifest.json")}. Goes through Hadoop's
 * {@link Path}, so that names holding spaces, {@code #}, {@code %} or non-ASCII letters are escaped
 * once and correctly, whatever the scheme (hdfs://, file://, s3a://).
 */
public final class Locations {
  private Locations() {}

  /**
   * {@code folder/names[0]/names[1]/...}; a trailing slash on {@code folder} makes no difference.
   */
  public static URI child(URI folder, String... names) {
    Path path = new Path(folder);
    for (String name : names) {
      path = new Path(path, name);
    }
    return path.toUri();
  }

  /**
   * A location string as Hadoop's {@link Path#toString()} prints it (unescaped, e.g. {@code
   * file:/data/a b#1.JPEG}) back to a {@link Path}, without the URI parsing that such names break.
   */
  public static Path path(String location) {
    return new Path(location);
  }
}
