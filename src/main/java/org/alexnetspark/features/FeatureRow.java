package org.alexnetspark.features;

import java.io.Serializable;

/**
 * One row of a features table as a Java bean: Spark's bean encoder moves its {@code float[]} to and
 * from Parquet without boxing each value (a generic {@code Row} would box 4096 floats per image).
 * Property {@code rowGroup} is column {@code row_group} in the table.
 */
public final class FeatureRow implements Serializable {
  private static final long serialVersionUID = 1L;

  private String key;
  private int label;
  private String wnid;
  private String shard;
  private int rowGroup;
  private float[] features;

  /** For the bean encoder. */
  public FeatureRow() {}

  public FeatureRow(
      String key, int label, String wnid, String shard, int rowGroup, float[] features) {
    this.key = key;
    this.label = label;
    this.wnid = wnid;
    this.shard = shard;
    this.rowGroup = rowGroup;
    this.features = features;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public int getLabel() {
    return label;
  }

  public void setLabel(int label) {
    this.label = label;
  }

  public String getWnid() {
    return wnid;
  }

  public void setWnid(String wnid) {
    this.wnid = wnid;
  }

  public String getShard() {
    return shard;
  }

  public void setShard(String shard) {
    this.shard = shard;
  }

  public int getRowGroup() {
    return rowGroup;
  }

  public void setRowGroup(int rowGroup) {
    this.rowGroup = rowGroup;
  }

  public float[] getFeatures() {
    return features;
  }

  public void setFeatures(float[] features) {
    this.features = features;
  }
}
