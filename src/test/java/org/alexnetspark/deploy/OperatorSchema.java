package org.alexnetspark.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi30;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The OpenAPI v3 schema of one Spark operator resource (spec.versions[v1beta2].schema
 * .openAPIV3Schema of its CRD), as a validator.
 *
 * <p>Unknown fields are errors here: the schema is closed ({@code additionalProperties: false})
 * wherever it lists properties and does not say {@code x-kubernetes-preserve-unknown-fields}. The
 * API server would drop such fields (with a warning, or an error under strict field validation),
 * which is how a misspelt or misplaced field silently does nothing.
 */
final class OperatorSchema {
  private static final List<String> KUBERNETES_KEYWORDS =
      List.of(
          "x-kubernetes-int-or-string",
          "x-kubernetes-preserve-unknown-fields",
          "x-kubernetes-list-type",
          "x-kubernetes-list-map-keys",
          "x-kubernetes-map-type",
          "x-kubernetes-embedded-resource",
          "x-kubernetes-validations");

  private final JsonSchema schema;

  private OperatorSchema(JsonSchema schema) {
    this.schema = schema;
  }

  /** The schema of version v1beta2 in a CRD file. */
  static OperatorSchema load(Path crd) throws IOException {
    JsonNode definition = new YAMLMapper().readTree(crd.toFile());
    JsonNode openApi = null;
    for (JsonNode version : definition.path("spec").path("versions")) {
      if (version.path("name").asText().equals("v1beta2")) {
        openApi = version.path("schema").path("openAPIV3Schema");
      }
    }
    if (openApi == null || !openApi.isObject()) {
      throw new IllegalArgumentException(crd + " has no v1beta2 openAPIV3Schema");
    }
    ObjectNode closed = openApi.deepCopy();
    close(closed);
    JsonMetaSchema openApi30 = OpenApi30.getInstance();
    JsonMetaSchema metaSchema =
        JsonMetaSchema.builder(openApi30.getIri(), openApi30)
            .keywords(KUBERNETES_KEYWORDS.stream().map(NonValidationKeyword::new).toList())
            .build();
    JsonSchemaFactory factory =
        JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4))
            .metaSchema(metaSchema)
            .defaultMetaSchemaIri(metaSchema.getIri())
            .build();
    return new OperatorSchema(factory.getSchema(closed));
  }

  /** What is wrong with a resource, one line per problem with its location; empty if nothing. */
  Set<String> problems(JsonNode resource) {
    Set<String> problems = new TreeSet<>();
    for (ValidationMessage message : schema.validate(resource)) {
      problems.add(message.getMessage());
    }
    return problems;
  }

  private static void close(JsonNode node) {
    if (node instanceof ObjectNode object) {
      if (object.has("properties")
          && !object.has("additionalProperties")
          && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
        object.put("additionalProperties", false);
      }
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      while (fields.hasNext()) {
        close(fields.next().getValue());
      }
    } else if (node instanceof ArrayNode array) {
      array.forEach(OperatorSchema::close);
    }
  }
}
