package org.alexnetspark.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.kryo.Nd4jRegistrator;

/**
 * Kryo set-up of every job: ND4J's registrations (arrays, data sets) plus Java serialisation for
 * Java records, which Spark's Kryo 4 cannot read field by field ("can't get field offset on a
 * record class").
 */
public final class KryoRegistration implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    new Nd4jRegistrator().registerClasses(kryo);
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }
}
