from . import utils


def board_created(sender, instance, created, **kwargs):
    if created:
        utils.create_counter(utils.counter_name(instance))


def board_deleted(sender, instance, **kwargs):
    utils.drop_counter(utils.counter_name(instance))
