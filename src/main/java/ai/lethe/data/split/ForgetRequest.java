// What to forget: a whole class, a sub-class (CIFAR-20's fine classes), a random share of the training set, or a
// list of sample indices (a deletion request), or the poisoned samples of a backdoored training set. parse() reads
// the command-line form
//   class=K | subclass=NAME | subclass=K | random=N | random=0.1 | indices=FILE | poisoned
// checking what can be checked without a dataset; Split.of checks the rest (class and index ranges, sub-class
// names, counts against the dataset size). Errors are IllegalArgumentExceptions naming the argument.
package ai.lethe.data.split;

import java.nio.file.Path;
import java.util.Locale;

public sealed interface ForgetRequest permits ClassForget, SubclassForget, RandomForget, IndexForget, PoisonForget {
    /** "class", "subclass", "random", "indices" or "poisoned". */
    String kind();

    /** The command-line form (what parse reads back; for a list of indices given in code: "indices=[N given]"). */
    String spec();

    /** Parses the command-line form (see the header). */
    static ForgetRequest parse(String text) {
        if (text == null || text.isBlank())
            throw new IllegalArgumentException("empty forget request; expected " + Requests.FORMS);
        String arg = text.strip();
        if (arg.equalsIgnoreCase(PoisonForget.SPEC)) return new PoisonForget();
        int eq = arg.indexOf('=');
        if (eq < 0) throw Requests.bad(arg, "expected " + Requests.FORMS);
        String key = arg.substring(0, eq).strip().toLowerCase(Locale.ROOT);
        String value = arg.substring(eq + 1).strip();
        if (value.isEmpty()) throw Requests.bad(arg, "no value after '='");
        return switch (key) {
            case "class" -> new ClassForget(Requests.integer(arg, "class", value));
            case "subclass" -> Requests.isInteger(value)
                    ? SubclassForget.of(Requests.integer(arg, "sub-class", value))
                    : SubclassForget.of(value);
            case "random" -> Requests.random(arg, value);
            case "indices" -> IndexForget.read(Path.of(value));
            default -> throw Requests.bad(arg, "unknown kind '" + key + "'; expected " + Requests.FORMS);
        };
    }
}
