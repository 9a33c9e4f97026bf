using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace Pipeline.Actors.Sensors;

/// <summary>
/// The sensors' mailbox: unbounded, as Akka's default, but small while empty. The default keeps a
/// <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/> per actor whose first segment alone is 1 KB — a tenth of
/// what a sensor holds, kept for every idle sensor of a fleet (bench/README.md, "Memory per sensor"). A sensor gets one
/// message per store batch it is in, so a lock per message costs nothing measurable; its queue grows only while it is
/// busy.
/// </summary>
public sealed class SensorMailbox(Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<SensorMessageQueue>
{
    /// <summary>The mailbox's name in the actor system's configuration (<see cref="Hocon"/>).</summary>
    public const string Id = "pipeline-sensor-mailbox";

    public static readonly string Hocon = $$"""{{Id}}.mailbox-type = "{{typeof(SensorMailbox).AssemblyQualifiedName}}" """;

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new SensorMessageQueue();
}

/// <summary>
/// A FIFO queue under a lock, with a front for the stash to put messages back (<see cref="EnqueueFirst"/>); both start
/// empty and keep only the capacity they needed.
/// </summary>
public sealed class SensorMessageQueue : IMessageQueue, IUnboundedDequeBasedMessageQueueSemantics
{
    private readonly Queue<Envelope> _queue = new();
    private Stack<Envelope>? _front;
    private volatile int _count;

    public bool HasMessages => _count > 0;

    public int Count => _count;

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (_queue)
        {
            _queue.Enqueue(envelope);
            _count++;
        }
    }

    /// <summary>Unstashing puts its messages back last to first, so a stack in front keeps their order.</summary>
    public void EnqueueFirst(Envelope envelope)
    {
        lock (_queue)
        {
            (_front ??= new Stack<Envelope>()).Push(envelope);
            _count++;
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        lock (_queue)
        {
            if (_front is { Count: > 0 } front)
            {
                envelope = front.Pop();
            }
            else if (!_queue.TryDequeue(out envelope))
            {
                return false;
            }

            _count--;
            return true;
        }
    }

    /// <summary>What is left when the sensor stops goes to dead letters, as with Akka's own queues.</summary>
    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        ArgumentNullException.ThrowIfNull(deadletters);
        while (TryDequeue(out var envelope))
        {
            deadletters.Enqueue(owner, envelope);
        }
    }
}
