//! Emitting on several threads with the same output whatever their number: the work is cut
//! into contiguous runs of items, each run is done on its own thread, and the results come
//! back in item order. The CLI chooses the number of threads; the library never asks the
//! system (that would be IO), and one thread does everything in place. The CLI uses the same
//! helper to compare the files already in `--out` with the new output.
//!
//! Emitters that hand files to a sink go a batch of items at a time ([`files_in_batches`]):
//! only one batch's files are held before the sink takes them.

/// Fewer items than this are not worth a thread.
const MIN_ITEMS_PER_THREAD: usize = 32;

/// `items.iter().map(work).collect()`, spread over up to `threads` threads, for many small
/// items (at least a few dozen per thread).
pub fn map<T: Sync, R: Send>(threads: usize, items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    runs(threads.min(items.len() / MIN_ITEMS_PER_THREAD), items, work)
}

/// How many items one batch of [`files_in_batches`] renders: enough to keep the threads busy
/// between hand-overs, few enough that a batch's files are a few megabytes.
const BATCH_ITEMS: usize = 512;

/// The files `work` renders for each item, handed to `sink` one batch of items at a time, in
/// item order; each batch is spread over up to `threads` threads as [`map`] does.
pub fn files_in_batches<T: Sync>(
    threads: usize,
    items: &[T],
    sink: &mut dyn super::Sink,
    work: impl Fn(&T) -> Vec<(String, String)> + Sync,
) {
    for batch in items.chunks(BATCH_ITEMS) {
        let files = map(threads, batch, &work);
        sink.take(files.into_iter().flatten().collect());
    }
}

fn runs<T: Sync, R: Send>(threads: usize, items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.max(1);
    if threads == 1 {
        return items.iter().map(work).collect();
    }
    let run = items.len().div_ceil(threads);
    let work = &work;
    let mut parts = items.chunks(run);
    let first = parts.next().unwrap_or_default();
    std::thread::scope(|scope| {
        // The calling thread does the first run itself rather than wait idle for the others:
        // one thread fewer to start and to schedule, which a busy machine feels most.
        let others: Vec<_> = parts
            .map(|part| {
                let handle = scope.spawn(move || part.iter().map(work).collect::<Vec<R>>());
                (handle, part)
            })
            .collect();
        let mut results = Vec::with_capacity(items.len());
        results.extend(first.iter().map(work));
        for (handle, part) in others {
            match handle.join() {
                Ok(done) => results.extend(done),
                // A panic in `work` is a bug; redo the run here so it surfaces on this thread.
                Err(_) => results.extend(part.iter().map(work)),
            }
        }
        results
    })
}

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn same_results_in_the_same_order_whatever_the_threads() {
        let items: Vec<u64> = (0..1000).collect();
        let once = map(1, &items, |i| i * i);
        for threads in [2, 3, 4, 7, 64] {
            assert_eq!(map(threads, &items, |i| i * i), once);
        }
        assert_eq!(
            map(4, &items[..10], |i| i + 1),
            (1..11).collect::<Vec<u64>>()
        );
    }
}
