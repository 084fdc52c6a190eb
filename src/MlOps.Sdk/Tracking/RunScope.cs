namespace MlOps.Sdk.Tracking;

/// <summary>
/// Lets <c>await using var run = ...</c> tell a normal end from one by an exception, which .NET does not tell a
/// disposable: the run marks the caller's flow (an <see cref="AsyncLocal{T}"/> set synchronously by
/// <see cref="RunCatalog.StartAsync"/>), and exceptions thrown in that flow outside the SDK's own calls
/// (<see cref="Internal.SdkCall"/>) are noted on the innermost run that has not ended. Any later call into the run clears
/// the note (the exception was handled and work went on). Disposing with a note left records the run as Failed (Killed
/// for a cancellation). It is a heuristic; <see cref="Run.CompleteAsync"/> and
/// <see cref="RunCatalog.RunAsync(string, Func{Run, CancellationToken, Task}, StartRunOptions?, CancellationToken)"/> are exact.
/// </summary>
internal sealed class RunScope
{
    private static readonly AsyncLocal<RunScope?> CurrentScope = new();
    private Exception? _pending;
    private volatile bool _ended;

    static RunScope()
    {
        AppDomain.CurrentDomain.FirstChanceException += static (_, e) =>
        {
            if (!Internal.SdkCall.IsActive && Live(CurrentScope.Value) is { } scope)
            {
                scope._pending = e.Exception;
            }
        };
    }

    private RunScope(RunScope? parent)
    {
        Parent = parent;
    }

    public RunScope? Parent { get; }

    /// <summary>Gets the exception that would have ended the flow, if one was thrown and no run call followed.</summary>
    public Exception? PendingException => Volatile.Read(ref _pending);

    /// <summary>Marks the calling flow as belonging to a new run; call from a synchronous method so the caller keeps it.</summary>
    public static RunScope Enter()
    {
        var scope = new RunScope(CurrentScope.Value);
        CurrentScope.Value = scope;
        return scope;
    }

    /// <summary>Gives the calling flow back to the enclosing live run; call from a synchronous method.</summary>
    public void Exit()
    {
        _ended = true;
        if (ReferenceEquals(CurrentScope.Value, this))
        {
            CurrentScope.Value = Live(Parent);
        }
    }

    /// <summary>Marks the run ended (or never started), wherever the flow is: its scope no longer takes exceptions.</summary>
    public void End() => _ended = true;

    /// <summary>Notes that user code called the run after any earlier exception: it was handled.</summary>
    public void Progress() => Volatile.Write(ref _pending, null);

    /// <summary>Marks the calling async method's flow (and what it calls) as the SDK's own, whose exceptions are not the user's.</summary>
    public static void EnterSdk() => Internal.SdkCall.Enter();

    private static RunScope? Live(RunScope? scope)
    {
        while (scope is { _ended: true })
        {
            scope = scope.Parent;
        }

        return scope;
    }
}
