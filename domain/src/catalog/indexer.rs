//! The one thread that changes the catalog index. Everything the index
//! allocates then comes from that thread's heap, apart from the large,
//! short-lived buffers a refresh reads on the async workers; those go back
//! to the system whole when the refresh is over, instead of being pinned by
//! index entries allocated between them (at 100,000 entities that is the
//! difference between the index's size and twice it in resident memory).

use std::sync::mpsc;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug)]
pub struct Indexer {
    jobs: mpsc::Sender<Job>,
}

impl Indexer {
    pub fn start() -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let started = std::thread::Builder::new().name("catalog-index".to_owned()).spawn(move || {
            for job in queue {
                job();
            }
        });
        if let Err(err) = started {
            tracing::warn!("no thread for the catalog index ({err}); it is changed on the request threads");
        }
        Self { jobs }
    }

    /// Hands `job` to the index thread at once; its answer arrives on the
    /// receiver (an error there means the job panicked). Jobs run in the
    /// order they were handed over. Should that thread be gone, the job
    /// runs here.
    pub fn submit<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> tokio::sync::oneshot::Receiver<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let boxed: Job = Box::new(move || {
            let _ = answer.send(job());
        });
        if let Err(mpsc::SendError(unsent)) = self.jobs.send(boxed) {
            unsent();
        }
        answered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_index_thread() {
        let indexer = Indexer::start();
        let name = indexer.submit(|| std::thread::current().name().map(str::to_owned)).await;
        assert_eq!(name.ok(), Some(Some("catalog-index".to_owned())));
        assert_eq!(indexer.submit(|| 2 + 2).await.ok(), Some(4));
    }
}
