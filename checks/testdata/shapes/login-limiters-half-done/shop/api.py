from rest_framework.views import APIView


class Orders(APIView):
    pass
