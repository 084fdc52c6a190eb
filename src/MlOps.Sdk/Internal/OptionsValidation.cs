using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace MlOps.Sdk.Internal;

/// <summary>
/// The one place options are validated: data annotations on every property of the options object and of the options
/// objects it holds, then <see cref="IValidatableObject"/> for rules between properties. Used both by the constructors
/// (without dependency injection) and by <see cref="IValidateOptions{TOptions}"/> (with it), so the rules cannot drift.
/// </summary>
internal static class OptionsValidation
{
    public static IReadOnlyList<string> Validate(object options, string? path = null)
    {
        var failures = new List<string>();
        Collect(options, path ?? options.GetType().Name, failures, depth: 0);
        return failures;
    }

    public static void ThrowIfInvalid<TOptions>(TOptions options, string? name = null)
        where TOptions : class
    {
        var failures = Validate(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(name ?? Options.DefaultName, typeof(TOptions), failures);
        }
    }

    private static void Collect(object options, string path, List<string> failures, int depth)
    {
        var results = new List<ValidationResult>();
        var context = new ValidationContext(options);
        if (!Validator.TryValidateObject(options, context, results, validateAllProperties: true) && options is IValidatableObject validatable)
        {
            // The validator skips the rules between properties once one property fails; report every problem at once.
            results.AddRange(validatable.Validate(context).Where(r => r != ValidationResult.Success && !results.Any(e => e.ErrorMessage == r.ErrorMessage)));
        }
        foreach (var result in results)
        {
            var members = string.Join(", ", result.MemberNames.Select(m => $"{path}.{m}"));
            failures.Add(members.Length == 0 ? $"{path}: {result.ErrorMessage}" : $"{members}: {result.ErrorMessage}");
        }

        if (depth > 8)
        {
            return;
        }

        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || !IsOptionsType(property.PropertyType))
            {
                continue;
            }

            if (property.GetValue(options) is { } nested)
            {
                Collect(nested, $"{path}.{property.Name}", failures, depth + 1);
            }
        }
    }

    private static bool IsOptionsType(Type type)
        => type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type)
           && type.Namespace is { } ns && ns.StartsWith("MlOps.Sdk", StringComparison.Ordinal) && type.Name.EndsWith("Options", StringComparison.Ordinal);
}
