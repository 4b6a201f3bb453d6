package org.alexnetspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.io.File;
import java.io.Serializable;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole, validated configuration: one immutable object per stage of the data flow.
 *
 * <p>Layers, lowest first: the packaged defaults ({@code conf/alexnet.conf}), then each {@code
 * --conf} file, then each {@code --set key=value}. Keys the defaults do not define are refused, as
 * are values out of range; every problem is reported at once by {@link InvalidConfigException}.
 *
 * <p>Values of keys that look secret and values read from the environment by {@code ${VAR}} are
 * never shown: {@link #summary()}, {@link #settings()}, {@link #render()} and error messages hold
 * {@link Redaction#REDACTED} in their place (see {@link Redaction}).
 */
public final class AlexNetConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(AlexNetConfig.class);

  /** Classpath resource holding the defaults (packaged from {@code conf/alexnet.conf}). */
  public static final String DEFAULTS_RESOURCE = "alexnet.conf";

  /** Classpath resource holding the demo's settings (packaged from {@code conf/demo.conf}). */
  public static final String DEMO_RESOURCE = "demo.conf";

  private final ModelConfig model;
  private final OptimizerConfig optimizer;
  private final DataConfig data;
  private final AugmentConfig augment;
  private final TrainConfig train;
  private final RetrainConfig retrain;
  private final GpuConfig gpu;
  private final String effective;
  private final String summary;
  private final SortedMap<String, String> settings = new TreeMap<>();
  private final Set<String> redactedKeys;

  private AlexNetConfig(Config resolved, Set<String> redacted, List<String> earlierProblems) {
    this.redactedKeys = Set.copyOf(redacted);
    ConfigReader in = new ConfigReader(resolved, redactedKeys, earlierProblems);
    this.model = ModelConfig.read(in);
    this.optimizer = OptimizerConfig.read(in);
    this.data = DataConfig.read(in);
    this.augment = AugmentConfig.read(in);
    this.train = TrainConfig.read(in);
    this.retrain = RetrainConfig.read(in);
    this.gpu = GpuConfig.read(in);
    in.throwIfInvalid();
    if (model.networkInputSize() > data.imageSize()) {
      String key =
          model.variant() == ModelVariant.SCALED ? "model.scaled.input-size" : "model.input-size";
      in.problem(
          key,
          "the network input (crop) of "
              + display(key, model.networkInputSize())
              + " must not be larger than the stored images (data.image-size = "
              + display("data.image-size", data.imageSize())
              + ")");
      in.throwIfInvalid();
    }
    Config shown = resolved;
    for (String key : redactedKeys) {
      shown = shown.withValue(key, ConfigValueFactory.fromAnyRef(Redaction.REDACTED, "redacted"));
    }
    this.effective =
        shown
            .root()
            .render(
                ConfigRenderOptions.defaults()
                    .setOriginComments(false)
                    .setComments(false)
                    .setJson(false));
    shown
        .entrySet()
        .forEach(e -> settings.put(e.getKey(), e.getValue().render(ConfigRenderOptions.concise())));
    this.summary =
        shown.entrySet().stream()
            .map(e -> e.getKey() + " = " + e.getValue().render(ConfigRenderOptions.concise()))
            .sorted()
            .collect(Collectors.joining("\n"));
  }

  /** {@code value} for a message, or {@link Redaction#REDACTED} if the key's value is hidden. */
  private String display(String key, Object value) {
    return redactedKeys.contains(key) ? Redaction.REDACTED : String.valueOf(value);
  }

  /** The paper's defaults, unchanged. */
  public static AlexNetConfig defaults() {
    return load(List.of(), List.of());
  }

  /**
   * Loads the defaults, then the given HOCON files, then the {@code key=value} overrides.
   *
   * @throws InvalidConfigException naming every unknown key and bad value
   */
  public static AlexNetConfig load(List<Path> files, List<String> overrides) {
    return load(List.of(), files, overrides);
  }

  /**
   * Loads the defaults, then the packaged configuration {@code resources} (e.g. {@link
   * #DEMO_RESOURCE}), then the files, then the overrides.
   */
  public static AlexNetConfig load(
      List<String> resources, List<Path> files, List<String> overrides) {
    return load(resources, files, overrides, System.getenv());
  }

  /**
   * As {@link #load(List, List, List)}, with {@code ${VAR}} substitutions that the configuration
   * does not define itself read from {@code environment} (this process's environment there). Values
   * read from it are never shown: they are {@link Redaction#REDACTED} in messages, logs and stored
   * configurations.
   */
  public static AlexNetConfig load(
      List<String> resources,
      List<Path> files,
      List<String> overrides,
      Map<String, String> environment) {
    List<String> problems = new ArrayList<>();
    List<Config> layers = new ArrayList<>();
    for (String resource : resources) {
      layers.add(
          ConfigFactory.parseResources(
              AlexNetConfig.class.getClassLoader(),
              resource,
              ConfigParseOptions.defaults().setAllowMissing(false)));
    }
    for (Path file : files) {
      if (!Files.isRegularFile(file)) {
        problems.add("--conf " + file + ": no such file");
        continue;
      }
      try {
        layers.add(
            ConfigFactory.parseFile(
                file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)));
      } catch (ConfigException e) {
        problems.add("--conf " + file + ": " + e.getMessage());
      }
    }
    Config defaults = packagedDefaults();
    for (int i = 0; i < overrides.size(); i++) {
      Config parsed = parseOverride(overrides.get(i), i + 1, defaults, problems);
      if (parsed != null) {
        layers.add(parsed);
      }
    }
    ConfigResolveOptions resolving =
        ConfigResolveOptions.noSystem().appendResolver(Redaction.environmentResolver(environment));
    return build(layers, problems, resolving, false);
  }

  /**
   * Rebuilds a configuration stored with an artifact by {@link #render()}. A stored file is data,
   * not a program: {@code include} statements are refused and substitutions never read the
   * environment or system properties.
   *
   * <p>A value stored as {@link Redaction#REDACTED} (it looked secret or came from the environment)
   * is read as the default of its key, and stays hidden: {@link #redactedKeys()} names it, and
   * {@link #settings()} shows it as {@link Redaction#REDACTED}, so that two configurations that
   * both hide a key compare equal there.
   */
  public static AlexNetConfig fromHocon(String hocon, String description) {
    List<String> problems = new ArrayList<>();
    Config parsed = null;
    try {
      parsed =
          ConfigFactory.parseString(
              hocon,
              ConfigParseOptions.defaults()
                  .setOriginDescription(description)
                  .setIncluder(new RefusingIncluder(description)));
    } catch (ConfigException e) {
      problems.add(description + ": " + e.getMessage());
    }
    return build(
        parsed == null ? List.of() : List.of(parsed),
        problems,
        ConfigResolveOptions.noSystem(),
        true);
  }

  /**
   * Refuses every {@code include} of a stored configuration: plain, file(), url() and classpath().
   */
  private static final class RefusingIncluder
      implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {
    private final String description;

    RefusingIncluder(String description) {
      this.description = description;
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
      return this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
      throw refused(what);
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
      throw refused("file(" + what + ")");
    }

    @Override
    public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
      throw refused("url(" + what + ")");
    }

    @Override
    public ConfigObject includeResources(ConfigIncludeContext context, String what) {
      throw refused("classpath(" + what + ")");
    }

    private ConfigException refused(String what) {
      return new ConfigException.Generic(
          description
              + ": 'include "
              + what
              + "' refused: a "
              + "stored configuration must be self-contained");
    }
  }

  private static Config packagedDefaults() {
    return ConfigFactory.parseResources(
        AlexNetConfig.class.getClassLoader(),
        DEFAULTS_RESOURCE,
        ConfigParseOptions.defaults().setAllowMissing(false));
  }

  /**
   * Merges {@code layers} over the defaults and resolves them.
   *
   * @param stored whether the layers are a stored configuration, whose {@link Redaction#REDACTED}
   *     values stand for hidden ones
   */
  private static AlexNetConfig build(
      List<Config> layers, List<String> problems, ConfigResolveOptions resolving, boolean stored) {
    Config defaults = packagedDefaults();
    Config merged = defaults;
    for (Config layer : layers) {
      checkKeysKnown(layer, defaults, problems);
      merged = layer.withFallback(merged);
    }
    try {
      merged = merged.resolve(resolving);
    } catch (ConfigException e) {
      problems.add(e.getMessage());
      throw new InvalidConfigException(problems);
    }
    Set<String> redacted = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> entry : merged.entrySet()) {
      String key = entry.getKey();
      ConfigValue value = entry.getValue();
      if (stored
          && value.valueType() == ConfigValueType.STRING
          && Redaction.REDACTED.equals(value.unwrapped())
          && defaults.hasPath(key)) {
        LOG.warn(
            "'{}' was not stored (its value is hidden); reading it as its default {}",
            key,
            Redaction.looksSecret(key)
                ? Redaction.REDACTED
                : defaults.getValue(key).render(ConfigRenderOptions.concise()));
        merged = merged.withValue(key, defaults.getValue(key));
        redacted.add(key);
      } else if (Redaction.looksSecret(key) || Redaction.fromEnvironment(value)) {
        redacted.add(key);
      }
    }
    // Values are checked even when keys were refused, so that every problem is reported at once.
    return new AlexNetConfig(merged, redacted, problems);
  }

  /**
   * Parses the {@code number}th {@code --set}. A malformed one is reported by its position and, at
   * most, what precedes its first separator: the rest may be a secret.
   */
  private static Config parseOverride(
      String override, int number, Config defaults, List<String> problems) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      problems.add(
          "the "
              + ordinal(number)
              + " --set"
              + keyOfMalformed(override)
              + ": expected key=value (no '=' before the value), e.g. --set"
              + " optimizer.learning-rate=0.02; its text is not repeated here, since it may hold a"
              + " secret");
      return null;
    }
    String key = override.substring(0, eq).trim();
    String value = override.substring(eq + 1).trim();
    // Only values of this project's own keys are ever repeated back: an unknown key may be a
    // credential typed in the wrong place (e.g. fs.s3a.secret.key).
    String shown = "--set " + redacted(override, defaults);
    try {
      ConfigParseOptions options = ConfigParseOptions.defaults().setOriginDescription(shown);
      return ConfigFactory.parseString(key + " = " + (value.isEmpty() ? "\"\"" : value), options);
    } catch (ConfigException e) {
      problems.add(
          shown
              + ": cannot parse"
              + (shown.endsWith(override) ? " (" + e.getMessage() + ")" : "")
              + "; quote values with special characters, e.g. --set 'key=\"a:b\"'");
      return null;
    }
  }

  /**
   * {@code key=value}, with the value hidden unless the key is one of the defaults' and does not
   * look secret.
   */
  private static String redacted(String override, Config defaults) {
    int eq = override.indexOf('=');
    String key = override.substring(0, eq).trim();
    boolean shown =
        !key.isEmpty() && isPath(key) && defaults.hasPathOrNull(key) && !Redaction.looksSecret(key);
    return shown ? override : key + "=" + Redaction.REDACTED;
  }

  /**
   * What precedes the first separator (':' or white space) of a {@code --set} without '=', as
   * {@code " (KEY:...)"}, if that is a key path; otherwise nothing, since the whole text may be a
   * value.
   */
  private static String keyOfMalformed(String override) {
    int end = 0;
    while (end < override.length()
        && override.charAt(end) != ':'
        && !Character.isWhitespace(override.charAt(end))
        && override.charAt(end) != '=') {
      end++;
    }
    if (end == 0 || end == override.length()) {
      return "";
    }
    String key = override.substring(0, end);
    return isPath(key) ? " (" + key + override.charAt(end) + "...)" : "";
  }

  /** 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st. */
  static String ordinal(int n) {
    int lastTwo = n % 100;
    String suffix =
        lastTwo >= 11 && lastTwo <= 13
            ? "th"
            : switch (n % 10) {
              case 1 -> "st";
              case 2 -> "nd";
              case 3 -> "rd";
              default -> "th";
            };
    return n + suffix;
  }

  private static boolean isPath(String key) {
    try {
      ConfigUtil.splitPath(key);
      return true;
    } catch (ConfigException e) {
      return false;
    }
  }

  private static void checkKeysKnown(Config layer, Config defaults, List<String> problems) {
    for (Map.Entry<String, ConfigValue> entry : layer.entrySet()) {
      String key = entry.getKey();
      String origin = ConfigReader.describe(entry.getValue().origin());
      if (defaults.hasPathOrNull(key)) {
        continue;
      }
      String known = knownPrefix(defaults, key);
      if (known != null && defaults.getValue(known).valueType() != ConfigValueType.OBJECT) {
        problems.add(
            "'"
                + known
                + "' is a single value, not a section: '"
                + key
                + "' (set in "
                + origin
                + ") cannot be set");
      } else if (key.startsWith("fs.") || key.startsWith("dfs.") || key.startsWith("hadoop.")) {
        problems.add(
            "unknown key '"
                + key
                + "' (set in "
                + origin
                + "): Hadoop settings are not "
                + "part of this configuration; give them to Spark (spark-submit --conf spark.hadoop."
                + key
                + "=...) or put them in core-site.xml / hdfs-site.xml");
      } else {
        problems.add(
            "unknown key '" + key + "' (set in " + origin + ")" + suggestion(defaults, key));
      }
    }
    // A section replaced by a single value, e.g. "model.lrn = 3".
    Set<String> reported = new HashSet<>();
    for (Map.Entry<String, ConfigValue> entry : defaults.entrySet()) {
      String parent = knownPrefix(layer, entry.getKey());
      if (parent != null
          && !parent.equals(entry.getKey())
          && layer.getValue(parent).valueType() != ConfigValueType.OBJECT
          && reported.add(parent)) {
        problems.add(
            "'"
                + parent
                + "' is a section (e.g. '"
                + entry.getKey()
                + "'), not a single value (set in "
                + ConfigReader.describe(layer.getValue(parent).origin())
                + ")");
      }
    }
  }

  /** The longest prefix of {@code key} (by path elements) that {@code config} has, or null. */
  private static String knownPrefix(Config config, String key) {
    List<String> parts = ConfigUtil.splitPath(key);
    for (int n = parts.size(); n >= 1; n--) {
      String prefix = ConfigUtil.joinPath(parts.subList(0, n));
      if (config.hasPathOrNull(prefix)) {
        return prefix;
      }
    }
    return null;
  }

  private static String suggestion(Config defaults, String key) {
    String best =
        defaults.entrySet().stream()
            .map(Map.Entry::getKey)
            .min(Comparator.comparingInt(candidate -> editDistance(candidate, key)))
            .orElse(null);
    if (best == null || editDistance(best, key) > Math.max(3, key.length() / 3)) {
      return "; see conf/alexnet.conf for the keys";
    }
    return "; did you mean '" + best + "'?";
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  public ModelConfig model() {
    return model;
  }

  public OptimizerConfig optimizer() {
    return optimizer;
  }

  public DataConfig data() {
    return data;
  }

  public AugmentConfig augment() {
    return augment;
  }

  public TrainConfig train() {
    return train;
  }

  public RetrainConfig retrain() {
    return retrain;
  }

  public GpuConfig gpu() {
    return gpu;
  }

  /**
   * Keys whose values are hidden ({@link Redaction}): they look secret, came from the environment,
   * or were stored hidden.
   */
  public Set<String> redactedKeys() {
    return redactedKeys;
  }

  /**
   * Every key of the effective configuration with its value as HOCON text, sorted by key; hidden
   * values are {@link Redaction#REDACTED}.
   */
  public SortedMap<String, String> settings() {
    return settings;
  }

  /**
   * The effective configuration as sorted {@code key = value} lines, for logs; hidden values are
   * {@link Redaction#REDACTED}.
   */
  public String summary() {
    return summary;
  }

  /**
   * The effective configuration as HOCON: stored with every artifact. Hidden values are stored as
   * {@link Redaction#REDACTED}.
   */
  public String render() {
    return effective;
  }
}
