package org.alexnetspark.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.alexnetspark.cli.AlexNetCommand;
import org.alexnetspark.config.AlexNetConfig;
import org.alexnetspark.config.InvalidConfigException;
import org.alexnetspark.deploy.CommandSurface;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The documentation cannot rot unnoticed: in {@code README.md}, {@code CONTRIBUTING.md} and {@code
 * docs/*.md}, every relative link and image leads to a file of the project and every {@code
 * #anchor} to a heading (GitHub's rules for heading anchors); every {@code jobs/}, {@code conf/},
 * {@code docker/}, {@code src/} or {@code .ci/} path named in code exists; and every {@code
 * alexnet} command shown ({@code alexnet}, {@code jobs/local/alexnet}, {@code jobs/yarn/alexnet}
 * and the stage scripts of {@code jobs/yarn/}) names a real subcommand and only options that
 * subcommand declares, with {@code --set} keys the configuration accepts in {@code bash} blocks. No
 * Spark.
 */
class DocumentationTest {
  private static final Path ROOT = Paths.get("").toAbsolutePath();

  @Test
  void everyRelativeLinkAndImageLeadsToAFileAndEveryAnchorToAHeading() {
    assertEquals(List.of(), problems(Check.LINKS));
  }

  @Test
  void everyProjectPathNamedInCodeExists() {
    assertEquals(List.of(), problems(Check.PATHS));
  }

  @Test
  void everyCommandShownNamesARealSubcommandAndOnlyItsOptions() {
    assertEquals(List.of(), problems(Check.COMMANDS));
  }

  @Test
  void theDocumentsAreFound() {
    List<Path> documents = documents();
    assertTrue(documents.contains(ROOT.resolve("README.md")), documents.toString());
    assertTrue(documents.contains(ROOT.resolve("CONTRIBUTING.md")), documents.toString());
    assertTrue(documents.size() >= 5, "README, CONTRIBUTING and docs/*.md: " + documents);
  }

  // The checks themselves, on made-up documents: each finds what it is meant to find.

  @Test
  void brokenLinksImagesAndAnchorsAreFound() {
    Markdown page =
        Markdown.of(
            ROOT.resolve("docs/made-up.md"),
            """
            # A page

            ## Where it goes, and why

            [fine](../README.md#quick-start) [fine](#where-it-goes-and-why) [web](https://example.com)
            [gone](../NO-SUCH-FILE.md) ![gone](../src/site/images/none.png) [no heading](#nowhere)
            [no heading there](../README.md#no-such-heading)

            ```text
            [inside code](../NOT-A-LINK.md)
            ```
            """);
    List<String> problems = linkProblems(page);
    assertEquals(4, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("../NO-SUCH-FILE.md"), problems.toString());
    assertTrue(problems.get(1).contains("none.png"), problems.toString());
    assertTrue(problems.get(2).contains("#nowhere"), problems.toString());
    assertTrue(problems.get(3).contains("#no-such-heading"), problems.toString());
  }

  @Test
  void missingPathsInCodeAreFound() {
    Markdown page =
        Markdown.of(
            ROOT.resolve("made-up.md"),
            """
            Run `jobs/local/demo`, then `jobs/local/no-such-script`.

            ```bash
            jobs/yarn/train && cat conf/no-such.conf /etc/hadoop/conf/core-site.xml
            ```
            """);
    List<String> problems = pathProblems(page);
    assertEquals(2, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("jobs/local/no-such-script"), problems.toString());
    assertTrue(problems.get(1).contains("conf/no-such.conf"), problems.toString());
  }

  @Test
  void inventedSubcommandsOptionsAndKeysAreFound() {
    Markdown page =
        Markdown.of(
            ROOT.resolve("made-up.md"),
            """
            `alexnet train --data d --output o` and `alexnet <command>` are fine; `alexnet fly` is not.

            ```bash
            jobs/local/alexnet train --data d --output o --set train.epochs=3 --resume   # fine
            jobs/local/alexnet models list --registry r --name n
            jobs/local/alexnet prepare --input i --split train --output o \\
                --no-such-option
            DATASETS=hdfs:///x jobs/yarn/train --epochs 3
            jobs/local/alexnet model --set model.no-such-key=1
            ```
            """);
    List<String> problems = commandProblems(page);
    assertEquals(4, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("no subcommand 'fly'"), problems.toString());
    assertTrue(problems.get(1).contains("--no-such-option"), problems.toString());
    assertTrue(problems.get(2).contains("--epochs"), problems.toString());
    assertTrue(problems.get(3).contains("model.no-such-key"), problems.toString());
  }

  @Test
  void headingAnchorsFollowGitHub() {
    assertEquals("faults-and-what-they-cost", Markdown.slug("Faults, and what they cost"));
    assertEquals("the-cluster-jar", Markdown.slug("The `cluster` jar"));
    assertEquals("what-ran-where", Markdown.slug("**What** ran where?"));
    assertEquals("x-vs-y-", Markdown.slug("x vs. y (%)"));
    assertEquals("ünïcode-is-kept", Markdown.slug("Ünïcode is kept"));
    assertEquals("a-link", Markdown.slug("[A link](https://example.com)"));
    Markdown page = Markdown.of(ROOT.resolve("x.md"), "# Setup\n\n## Setup\n\nSetup\n-----\n");
    assertEquals(Set.of("setup", "setup-1", "setup-2"), page.anchors());
  }

  // --- the checks
  // ---------------------------------------------------------------------------------

  private enum Check {
    LINKS,
    PATHS,
    COMMANDS
  }

  private static List<String> problems(Check check) {
    List<String> problems = new ArrayList<>();
    for (Path file : documents()) {
      Markdown page = Markdown.read(file);
      problems.addAll(
          switch (check) {
            case LINKS -> linkProblems(page);
            case PATHS -> pathProblems(page);
            case COMMANDS -> commandProblems(page);
          });
    }
    return problems;
  }

  /** README.md, CONTRIBUTING.md and docs/*.md. */
  private static List<Path> documents() {
    List<Path> documents = new ArrayList<>();
    for (String name : List.of("README.md", "CONTRIBUTING.md")) {
      if (Files.isRegularFile(ROOT.resolve(name))) {
        documents.add(ROOT.resolve(name));
      }
    }
    Path docs = ROOT.resolve("docs");
    if (Files.isDirectory(docs)) {
      try (Stream<Path> files = Files.list(docs)) {
        files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(documents::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return documents;
  }

  private static final Pattern INLINE_LINK =
      Pattern.compile("(!?)\\[([^\\]]*)\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  private static final Pattern REFERENCE_DEFINITION =
      Pattern.compile("^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
  private static final Pattern HTML_TARGET = Pattern.compile("(?:src|href)=\"([^\"]+)\"");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:|^//");

  /** Relative links and images of one page that lead nowhere. */
  static List<String> linkProblems(Markdown page) {
    List<String> problems = new ArrayList<>();
    for (Markdown.Line line : page.lines()) {
      if (line.code() != null) {
        continue;
      }
      String text = Markdown.withoutCodeSpans(line.text());
      List<String> targets = new ArrayList<>();
      Matcher link = INLINE_LINK.matcher(text);
      while (link.find()) {
        targets.add(link.group(3));
      }
      Matcher definition = REFERENCE_DEFINITION.matcher(text);
      if (definition.matches()) {
        targets.add(definition.group(1));
      }
      Matcher html = HTML_TARGET.matcher(text);
      while (html.find()) {
        targets.add(html.group(1));
      }
      for (String target : targets) {
        String problem = linkProblem(page, target);
        if (problem != null) {
          problems.add(page.where(line) + ": " + target + ": " + problem);
        }
      }
    }
    return problems;
  }

  private static String linkProblem(Markdown page, String target) {
    if (SCHEME.matcher(target).find()) {
      return null;
    }
    int hash = target.indexOf('#');
    String path = URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), UTF8);
    String anchor = hash < 0 ? null : URLDecoder.decode(target.substring(hash + 1), UTF8);
    Path file = path.isEmpty() ? page.file() : page.file().getParent().resolve(path).normalize();
    if (!file.startsWith(ROOT)) {
      return "outside the project";
    }
    if (!path.isEmpty() && !Files.exists(file)) {
      return "no such file (" + ROOT.relativize(file) + ")";
    }
    if (anchor != null && file.toString().endsWith(".md")) {
      Set<String> anchors =
          file.equals(page.file()) ? page.anchors() : Markdown.read(file).anchors();
      if (!anchors.contains(anchor)) {
        return "no heading with the anchor #" + anchor + " in " + ROOT.relativize(file);
      }
    }
    return null;
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  /** A project path in code: what follows may be a glob, a placeholder or punctuation. */
  private static final Pattern PROJECT_PATH =
      Pattern.compile("(?<![\\w./$~-])(?:jobs|conf|docker|src|\\.ci)/[^\\s\"'`,;:()|\\]}]*");

  /** Project paths named in code blocks and code spans that do not exist. */
  static List<String> pathProblems(Markdown page) {
    List<String> problems = new ArrayList<>();
    for (Markdown.Line line : page.lines()) {
      List<String> codes = line.code() != null ? List.of(line.text()) : codeSpans(line.text());
      Set<String> seen = new LinkedHashSet<>();
      for (String code : codes) {
        Matcher path = PROJECT_PATH.matcher(code);
        while (path.find()) {
          seen.add(concretePrefix(path.group()));
        }
      }
      for (String path : seen) {
        if (!Files.exists(ROOT.resolve(path))) {
          problems.add(page.where(line) + ": no such file or folder: " + path);
        }
      }
    }
    return problems;
  }

  /** The part of a path before any glob or placeholder, without trailing dots and slashes. */
  private static String concretePrefix(String path) {
    Matcher wild = Pattern.compile("[*?<>{\\[$]|\\.\\.\\.").matcher(path);
    String concrete = path;
    if (wild.find()) {
      concrete = path.substring(0, wild.start());
      concrete = concrete.substring(0, concrete.lastIndexOf('/') + 1);
    }
    return concrete.replaceAll("[./]+$", "");
  }

  private static final Pattern CODE_SPAN = Pattern.compile("(`+)(.+?)\\1");

  private static List<String> codeSpans(String text) {
    List<String> spans = new ArrayList<>();
    Matcher span = CODE_SPAN.matcher(text);
    while (span.find()) {
      spans.add(span.group(2).strip());
    }
    return spans;
  }

  /** The root command line, built once: subcommands and their options as declared in cli. */
  private static final CommandLine ALEXNET = AlexNetCommand.commandLine();

  private static final Set<String> SHELL = Set.of("", "bash", "sh", "shell", "console");

  /**
   * Commands shown in code spans, shell code blocks and after a {@code $ } prompt in other code
   * blocks that the command line would refuse.
   */
  static List<String> commandProblems(Markdown page) {
    List<String> problems = new ArrayList<>();
    List<Markdown.Line> lines = page.lines();
    for (int i = 0; i < lines.size(); i++) {
      Markdown.Line line = lines.get(i);
      if (line.code() == null) {
        for (String span : codeSpans(line.text())) {
          problems.addAll(commandProblems(page.where(line), span, false));
        }
        continue;
      }
      // A command continued over several lines with a backslash is one command.
      StringBuilder command = new StringBuilder(line.text());
      while (command.toString().stripTrailing().endsWith("\\")
          && i + 1 < lines.size()
          && lines.get(i + 1).code() != null) {
        String joined = command.toString().stripTrailing();
        command = new StringBuilder(joined.substring(0, joined.length() - 1)).append(' ');
        command.append(lines.get(++i).text());
      }
      // Shell blocks hold commands; other blocks (transcripts) show theirs after a "$ " prompt.
      boolean shell = SHELL.contains(line.code());
      String text = command.toString().strip();
      if (text.startsWith("$ ")) {
        text = text.substring(2);
      } else if (!shell) {
        continue;
      }
      problems.addAll(commandProblems(page.where(line), withoutComment(text), shell));
    }
    return problems;
  }

  private static List<String> commandProblems(String where, String text, boolean checkKeys) {
    List<String> problems = new ArrayList<>();
    for (String segment : text.split("\\s*(?:&&|\\|\\||;|\\|)\\s*")) {
      List<String> words = words(segment);
      while (!words.isEmpty() && words.get(0).matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
        words.remove(0);
      }
      if (words.isEmpty()) {
        continue;
      }
      List<String> arguments = alexnetArguments(words);
      if (arguments == null || arguments.isEmpty()) {
        continue;
      }
      String shown = "alexnet " + String.join(" ", arguments);
      String problem = argumentProblem(arguments);
      if (problem != null) {
        problems.add(where + ": " + shown + ": " + problem);
      }
      List<String> overrides = CommandSurface.values(arguments, "--set");
      if (checkKeys && problem == null && !overrides.isEmpty()) {
        try {
          AlexNetConfig.load(List.of(), overrides);
        } catch (InvalidConfigException e) {
          problems.add(where + ": " + shown + ": " + e.getMessage());
        }
      }
    }
    return problems;
  }

  /**
   * The arguments {@code words} hand to the {@code alexnet} command line, starting with the
   * subcommand, or null when they do not run it.
   */
  private static List<String> alexnetArguments(List<String> words) {
    String program = words.get(0);
    List<String> rest = words.subList(1, words.size());
    if (program.equals("alexnet")
        || program.equals("jobs/local/alexnet")
        || program.equals("jobs/yarn/alexnet")) {
      return new ArrayList<>(rest);
    }
    if (program.startsWith("jobs/yarn/")) {
      String subcommand = STAGES.get(program.substring("jobs/yarn/".length()));
      if (subcommand != null) {
        List<String> arguments = new ArrayList<>(List.of(subcommand));
        arguments.addAll(rest);
        return arguments;
      }
    }
    return null;
  }

  /** The stage scripts of jobs/yarn/ and the subcommand each submits. */
  private static final Map<String, String> STAGES = stages();

  private static Map<String, String> stages() {
    Map<String, String> stages = new HashMap<>();
    Pattern submit = Pattern.compile("^alexnet_submit ([a-z][a-z-]*)", Pattern.MULTILINE);
    try (Stream<Path> scripts = Files.list(ROOT.resolve("jobs/yarn"))) {
      for (Path script : scripts.collect(Collectors.toList())) {
        Matcher matcher = submit.matcher(Files.readString(script));
        if (matcher.find()) {
          stages.put(script.getFileName().toString(), matcher.group(1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return stages;
  }

  /** What is wrong with an argument list, or null: an unknown subcommand or option. */
  private static String argumentProblem(List<String> arguments) {
    CommandLine command = ALEXNET;
    String name = "alexnet";
    for (int i = 0; i < arguments.size(); i++) {
      String argument = arguments.get(i);
      if (argument.equals("--")) {
        return null;
      }
      if (isPlaceholder(argument)) {
        if (command == ALEXNET) {
          return null; // alexnet <command>: no subcommand to check
        }
        continue;
      }
      if (argument.startsWith("-") && argument.length() > 1 && !argument.matches("-[\\d.]+")) {
        int equals = argument.indexOf('=');
        String option = equals < 0 ? argument : argument.substring(0, equals);
        CommandLine.Model.OptionSpec spec = command.getCommandSpec().findOption(option);
        if (spec == null) {
          return "'" + name + "' has no option " + option;
        }
        if (equals < 0 && spec.arity().max() > 0) {
          i++; // its value
        }
        continue;
      }
      CommandLine subcommand = command.getSubcommands().get(argument);
      if (subcommand != null) {
        command = subcommand;
        name = name + " " + argument;
      } else if (!command.getSubcommands().isEmpty()
          && command.getCommandSpec().positionalParameters().isEmpty()) {
        return "'" + name + "' has no subcommand '" + argument + "'";
      }
    }
    return null;
  }

  private static boolean isPlaceholder(String word) {
    return word.startsWith("<") || word.contains("...") || word.matches("[A-Z][A-Z_]*");
  }

  /** The line up to a shell comment ({@code #} at the start of a word, outside quotes). */
  private static String withoutComment(String line) {
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  /** Words as the shell splits them (quotes removed; no expansion). */
  private static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else {
        word = word == null ? new StringBuilder() : word;
        if (c == '\'' || c == '"') {
          quote = c;
        } else {
          word.append(c);
        }
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }

  /** A Markdown file as lines, each knowing whether it is inside a fenced code block. */
  record Markdown(Path file, List<Line> lines) {

    /**
     * One line of the file.
     *
     * @param number 1-based
     * @param text the line
     * @param code the info string of the fenced code block it is in ("" without one), or null
     *     outside code blocks; fence lines themselves are neither
     */
    record Line(int number, String text, String code) {}

    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})\\s*([^`\\s]*).*$");
    private static final Pattern ATX = Pattern.compile("^ {0,3}#{1,6}\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern SETEXT = Pattern.compile("^ {0,3}(=+|-+)\\s*$");

    static Markdown read(Path file) {
      try {
        return of(file, Files.readString(file));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static Markdown of(Path file, String text) {
      List<Line> lines = new ArrayList<>();
      String fence = null;
      String info = null;
      List<String> raw = text.lines().toList();
      for (int i = 0; i < raw.size(); i++) {
        String line = raw.get(i);
        Matcher matcher = FENCE.matcher(line);
        if (fence == null && matcher.matches()) {
          fence = matcher.group(1);
          info = matcher.group(2).toLowerCase(Locale.ROOT);
          lines.add(new Line(i + 1, line, null));
        } else if (fence != null
            && line.strip().startsWith(fence.substring(0, 3))
            && line.strip().replace(String.valueOf(fence.charAt(0)), "").isEmpty()
            && line.strip().length() >= fence.length()) {
          fence = null;
          lines.add(new Line(i + 1, line, null));
        } else {
          lines.add(new Line(i + 1, line, fence == null ? null : info));
        }
      }
      return new Markdown(file, lines);
    }

    /** Where a line is, for messages: {@code docs/faults.md:12}. */
    String where(Line line) {
      Path shown = file.startsWith(ROOT) ? ROOT.relativize(file) : file;
      return shown + ":" + line.number();
    }

    /** The anchors of the headings, as GitHub makes them (duplicates get -1, -2, ...). */
    Set<String> anchors() {
      Set<String> anchors = new LinkedHashSet<>();
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < lines.size(); i++) {
        Line line = lines.get(i);
        if (line.code() != null || isFence(line)) {
          continue;
        }
        String heading = null;
        Matcher atx = ATX.matcher(line.text());
        if (atx.matches()) {
          heading = atx.group(1);
        } else if (i + 1 < lines.size()
            && !line.text().isBlank()
            && lines.get(i + 1).code() == null
            && SETEXT.matcher(lines.get(i + 1).text()).matches()
            && !SETEXT.matcher(line.text()).matches()) {
          heading = line.text().strip();
        }
        if (heading != null) {
          String slug = slug(heading);
          int count = seen.merge(slug, 1, Integer::sum) - 1;
          anchors.add(count == 0 ? slug : slug + "-" + count);
        }
      }
      return anchors;
    }

    private static boolean isFence(Line line) {
      return line.code() == null && FENCE.matcher(line.text()).matches();
    }

    /**
     * GitHub's anchor of a heading: its text without markup, lower case, every character that is
     * not a letter, digit, space, hyphen or underscore removed, spaces made hyphens.
     */
    static String slug(String heading) {
      String text =
          heading
              .replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1")
              .replaceAll("<[^>]+>", "")
              .replace("`", "")
              .replace("*", "");
      return text.strip()
          .toLowerCase(Locale.ROOT)
          .replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "")
          .replace(' ', '-');
    }

    /** The text with code spans blanked out (links inside code are not links). */
    static String withoutCodeSpans(String text) {
      Matcher span = CODE_SPAN.matcher(text);
      StringBuilder out = new StringBuilder();
      while (span.find()) {
        span.appendReplacement(out, Matcher.quoteReplacement(" ".repeat(span.group().length())));
      }
      span.appendTail(out);
      return out.toString();
    }
  }
}
